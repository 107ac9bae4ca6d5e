package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.types.Shape;
import com.google.protobuf.ByteString;
import java.security.PublicKey;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.mpsl4j.core.port.Deadline;
import org.mpsl4j.engine.secagg.FixedPoint;
import org.mpsl4j.engine.secagg.Int64Bytes;
import org.mpsl4j.engine.secagg.SecAggClient;
import org.mpsl4j.engine.secagg.SecureSum;
import org.mpsl4j.engine.secagg.Threshold;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.ErrorCode;
import org.mpsl4j.protocol.v1.SecAggKey;
import org.mpsl4j.protocol.v1.SecAggKeys;
import org.mpsl4j.protocol.v1.SecAggRecover;
import org.mpsl4j.protocol.v1.SecAggSeeds;
import org.mpsl4j.protocol.v1.SecAggSum;
import org.mpsl4j.protocol.v1.ServerMessage;

/**
 * The server's side of secure aggregation at an epoch end (after EpochEnd with {@code secure_aggregation}), by
 * Bonawitz et al.'s double masking: collect the parties' public keys, send every party the key list and the threshold
 * t, relay the boxes of Shamir shares ({@link ShareBoxRelay}), collect the masked shares, tell the survivors who
 * survived and who dropped (a share that did not come or was malformed), collect their shares of the survivors'
 * self-mask seeds and of the dropouts' mask keys, and decode the sum. The server sees keys, sealed boxes, masked
 * vectors and those shares only; what it learns is Σ nᵢ·θᵢ and Σ nᵢ over the survivors, i.e. the weighted average.
 *
 * <p>With a private average ({@code privateAverage}) the shares also carry the clients' group pads
 * ({@link org.mpsl4j.engine.secagg.GroupPads}): the server adds them exactly as before but cannot decode the sum; it
 * sends the padded sum and the list of counted clients back ({@link #sendBack}) and holds no average. Used by the
 * training thread only.
 */
final class SecureAggregation {
  private final ReplyCollector collector;
  private final Map<String, Shape> shapes;
  private final int length;
  private final boolean privateAverage;
  private int threshold;
  private final List<String> notes = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** The sum of one finished round over the clients it counts (padded, under a private average). */
  record Round(long[] total, List<String> counted) {}

  /** @param threshold Shamir's t for every round, or 0 for {@link Threshold#defaultFor} the round's parties */
  SecureAggregation(ReplyCollector collector, Map<String, Shape> shapes, boolean privateAverage, int threshold) {
    this.collector = collector;
    this.threshold = threshold;
    this.shapes = Map.copyOf(shapes);
    this.length = TokenizerVector.length(shapes) + 1; // + the sample count
    this.privateAverage = privateAverage;
  }

  void threshold(int t) {
    threshold = t;
  }

  boolean privateAverage() {
    return privateAverage;
  }

  /** Why rounds ended without an average (the previous average is kept then). */
  List<String> notes() {
    return notes;
  }

  /**
   * One round over {@code participants} (who were sent EpochEnd with secure aggregation at {@code step}).
   *
   * @return the weighted average of the survivors' parameters by name, or null if the round could not finish (too
   *     few parties, or a survivor that did not reveal a seed), with the reason in {@link #notes}
   */
  Map<String, float[]> average(long step, List<Session> participants, Supplier<Deadline> deadline)
      throws InterruptedException {
    if (privateAverage) {
      throw new IllegalStateException("a private average is not the server's to decode");
    }
    Round r = round(step, participants, deadline);
    if (r == null) {
      return null;
    }
    long[] total = r.total();
    long samples = Math.round(total[length - 1] / (double) (1L << FixedPoint.FRACTION_BITS));
    if (samples < 1) {
      return giveUp(step, "the sum's sample count is " + samples);
    }
    long[] weighted = java.util.Arrays.copyOf(total, length - 1);
    return TokenizerVector.split(FixedPoint.decode(weighted, samples), shapes);
  }

  /**
   * Sends the padded sum of a private average to {@code participants} (the clients decode it); {@code replace}: each
   * continues from the average. The bytes are encoded once for all.
   */
  void sendBack(long step, Round r, List<Session> participants, boolean replace) {
    ServerMessage m = ServerMessage.newBuilder().setStep(step).setSecaggSum(SecAggSum.newBuilder()
        .setValues(Int64Bytes.of(r.total())).addAllCounted(r.counted()).setReplaceTokenizers(replace)).build();
    participants.forEach(s -> s.send(m.toBuilder().setSessionId(s.id).build()));
  }

  /**
   * The double-masking protocol of one round (keys, boxes, masked shares, unmasking), without decoding.
   *
   * @return the sum over the survivors, or null if the round could not finish, with the reason in {@link #notes}
   */
  Round round(long step, List<Session> participants, Supplier<Deadline> deadline) throws InterruptedException {
    Map<Session, ClientMessage> keys = collector.collect(step, participants, ClientMessage.BodyCase.SECAGG_KEY,
        deadline.get(), false);
    SecAggKeys.Builder list = SecAggKeys.newBuilder().setLength(length);
    Map<String, Session> parties = new TreeMap<>();
    Map<String, PublicKey> maskKeys = new TreeMap<>();
    for (Map.Entry<Session, ClientMessage> e : keys.entrySet()) {
      Session s = e.getKey();
      SecAggKey key = e.getValue().getSecaggKey();
      try { // a garbage key would only break the others' rounds
        maskKeys.put(s.clientId, SecAggClient.publicKey(s.clientId, key.getPublicKey()));
        SecAggClient.publicKey(s.clientId + "' (box key", key.getBoxKey());
      } catch (IllegalArgumentException ex) {
        maskKeys.remove(s.clientId);
        s.error(step, ErrorCode.MALFORMED_TENSOR, ex.getMessage() + "; left out of this secure aggregation");
        continue;
      }
      parties.put(s.clientId, s);
      list.putPublicKeys(s.clientId, key.getPublicKey()).putBoxKeys(s.clientId, key.getBoxKey());
    }
    if (parties.size() < SecAggClient.MIN_PARTIES) {
      return giveUp(step, parties.size() + " parties sent keys; at least " + SecAggClient.MIN_PARTIES + " are needed");
    }
    int t = threshold > 0 ? threshold : Threshold.defaultFor(parties.size());
    String badThreshold = Threshold.problem(t, parties.size());
    if (badThreshold != null) {
      return giveUp(step, badThreshold);
    }
    ServerMessage keysMessage = ServerMessage.newBuilder().setStep(step).setSecaggKeys(list.setThreshold(t)).build();
    parties.values().forEach(s -> s.send(keysMessage.toBuilder().setSessionId(s.id).build()));

    Map<String, Map<String, ByteString>> boxes = ShareBoxRelay.check(step, parties,
        collector.collect(step, List.copyOf(parties.values()), ClientMessage.BodyCase.SECAGG_BOXES, deadline.get(),
            false));
    if (boxes.size() < t) {
      return giveUp(step, boxes.size() + " parties sent their share boxes, fewer than the threshold " + t);
    }
    List<Session> maskers = boxes.keySet().stream().map(parties::get).toList();
    ShareBoxRelay.forward(step, boxes, maskers);

    SecureSum sum = new SecureSum(maskKeys, boxes.keySet(), t, length);
    Map<Session, ClientMessage> shares = collector.collect(step, maskers, ClientMessage.BodyCase.SECAGG_SHARE,
        deadline.get(), false);
    for (Map.Entry<Session, ClientMessage> e : shares.entrySet()) {
      Session s = e.getKey();
      try {
        sum.accept(s.clientId, Int64Bytes.read(e.getValue().getSecaggShare().getValues(), length,
            "masked share from '" + s.clientId + "'"));
      } catch (IllegalArgumentException ex) {
        s.error(step, ErrorCode.MALFORMED_TENSOR, ex.getMessage() + "; recovered from as a dropout");
      }
    }
    List<String> dropped = sum.beginUnmasking();
    List<String> counted = sum.counted();
    if (counted.size() < t) {
      return giveUp(step, counted.size() + " share(s) arrived, fewer than the threshold " + t);
    }
    List<Session> survivors = counted.stream().map(parties::get).toList();
    ServerMessage ask = ServerMessage.newBuilder().setStep(step)
        .setSecaggRecover(SecAggRecover.newBuilder().addAllDropped(dropped).addAllSurvivors(counted)).build();
    survivors.forEach(s -> s.send(ask.toBuilder().setSessionId(s.id).build()));
    Map<Session, ClientMessage> revealed = collector.collect(step, survivors, ClientMessage.BodyCase.SECAGG_SEEDS,
        deadline.get(), false);
    for (Map.Entry<Session, ClientMessage> e : revealed.entrySet()) {
      SecAggSeeds r = e.getValue().getSecaggSeeds();
      try {
        sum.reveal(e.getKey().clientId, bytes(r.getSelfMaskSharesMap()), bytes(r.getKeySharesMap()));
      } catch (IllegalArgumentException ex) {
        e.getKey().error(step, ErrorCode.MALFORMED_TENSOR, ex.getMessage());
      }
    }
    try {
      return new Round(sum.sum(), counted);
    } catch (IllegalStateException ex) {
      return giveUp(step, ex.getMessage());
    }
  }

  private static Map<String, byte[]> bytes(Map<String, ByteString> in) {
    Map<String, byte[]> out = new HashMap<>();
    in.forEach((id, b) -> out.put(id, b.toByteArray()));
    return out;
  }

  private <T> T giveUp(long step, String why) {
    notes.add("step " + step + ": secure aggregation did not finish (" + why + "); the previous average is kept");
    return null;
  }
}
