package org.mpsl4j.engine.mpsl;

import com.google.protobuf.ByteString;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.mpsl4j.engine.secagg.SecAggClient;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.ErrorCode;
import org.mpsl4j.protocol.v1.SecAggBoxes;
import org.mpsl4j.protocol.v1.ServerMessage;

/**
 * The server relaying double masking's boxes of Shamir shares: each party's upload must hold one box of the one
 * size for every other party, or that party is left out of the round (told why) and nobody masks with it; every
 * party that passed then gets the boxes addressed to it, by sender. The server cannot open a box.
 */
final class ShareBoxRelay {
  private ShareBoxRelay() {}

  /**
   * The well-formed uploads of {@code replies}: sender → recipient → box, senders in id order.
   *
   * @param parties the round's parties by id
   */
  static Map<String, Map<String, ByteString>> check(long step, Map<String, Session> parties,
      Map<Session, ClientMessage> replies) {
    Map<String, Map<String, ByteString>> out = new TreeMap<>();
    for (Map.Entry<Session, ClientMessage> e : replies.entrySet()) {
      Session s = e.getKey();
      Map<String, ByteString> boxes = e.getValue().getSecaggBoxes().getBoxesMap();
      String problem = problem(s.clientId, parties.keySet(), boxes);
      if (problem != null) {
        s.error(step, ErrorCode.MALFORMED_TENSOR, problem + "; left out of this secure aggregation");
      } else {
        out.put(s.clientId, boxes);
      }
    }
    return out;
  }

  /** Why {@code sender}'s boxes cannot be relayed, or null. */
  static String problem(String sender, Set<String> parties, Map<String, ByteString> boxes) {
    Set<String> expected = new TreeSet<>(parties);
    expected.remove(sender);
    if (!boxes.keySet().equals(expected)) {
      return "the share boxes from '" + sender + "' are for " + new TreeSet<>(boxes.keySet()) + " but the other"
          + " parties are " + expected;
    }
    for (Map.Entry<String, ByteString> box : boxes.entrySet()) {
      if (box.getValue().size() != SecAggClient.BOX_BYTES) {
        return "the share box from '" + sender + "' for '" + box.getKey() + "' has " + box.getValue().size()
            + " bytes, not " + SecAggClient.BOX_BYTES;
      }
    }
    return null;
  }

  /** Sends each of {@code recipients} the boxes addressed to it, from every sender of {@code boxes} but itself. */
  static void forward(long step, Map<String, Map<String, ByteString>> boxes, List<Session> recipients) {
    for (Session to : recipients) {
      SecAggBoxes.Builder mine = SecAggBoxes.newBuilder();
      boxes.forEach((from, byRecipient) -> {
        if (!from.equals(to.clientId)) {
          mine.putBoxes(from, byRecipient.get(to.clientId));
        }
      });
      to.send(ServerMessage.newBuilder().setStep(step).setSessionId(to.id).setSecaggBoxes(mine).build());
    }
  }
}
