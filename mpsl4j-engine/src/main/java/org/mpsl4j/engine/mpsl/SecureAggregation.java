package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.types.Shape;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.mpsl4j.core.port.Deadline;
import org.mpsl4j.engine.secagg.FixedPoint;
import org.mpsl4j.engine.secagg.SecAggClient;
import org.mpsl4j.engine.secagg.SecureSum;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.ErrorCode;
import org.mpsl4j.protocol.v1.SecAggKeys;
import org.mpsl4j.protocol.v1.SecAggRecover;
import org.mpsl4j.protocol.v1.SecAggSum;
import org.mpsl4j.protocol.v1.ServerMessage;

/**
 * The server's side of secure aggregation at an epoch end (after EpochEnd with {@code secure_aggregation}): collect
 * the parties' public keys, send every party the key list, collect the masked shares, ask the survivors for their
 * seeds with the parties whose share did not come (or was malformed), and decode the sum. The server sees keys,
 * uniformly masked vectors and seeds of dropouts only; what it learns is Σ nᵢ·θᵢ and Σ nᵢ over the survivors, i.e.
 * the weighted average. Single masks (no Bonawitz self masks): a share that arrived late after its client's seeds
 * were revealed would be readable, so {@link SecureSum} refuses any share once recovery began.
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
  private final List<String> notes = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** The sum of one finished round over the clients it counts (padded, under a private average). */
  record Round(long[] total, List<String> counted) {}

  SecureAggregation(ReplyCollector collector, Map<String, Shape> shapes, boolean privateAverage) {
    this.collector = collector;
    this.shapes = Map.copyOf(shapes);
    this.length = TokenizerVector.length(shapes) + 1; // + the sample count
    this.privateAverage = privateAverage;
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
    ByteBuffer buf = ByteBuffer.allocate(r.total().length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buf.asLongBuffer().put(r.total());
    ServerMessage m = ServerMessage.newBuilder().setStep(step).setSecaggSum(SecAggSum.newBuilder()
        .setValues(ByteString.copyFrom(buf.array())).addAllCounted(r.counted()).setReplaceTokenizers(replace)).build();
    participants.forEach(s -> s.send(m.toBuilder().setSessionId(s.id).build()));
  }

  /**
   * The masked-sum protocol of one round (keys, shares, dropout recovery), without decoding.
   *
   * @return the sum over the survivors, or null if the round could not finish, with the reason in {@link #notes}
   */
  Round round(long step, List<Session> participants, Supplier<Deadline> deadline) throws InterruptedException {
    Map<Session, ClientMessage> keys = collector.collect(step, participants, ClientMessage.BodyCase.SECAGG_KEY,
        deadline.get(), false);
    SecAggKeys.Builder list = SecAggKeys.newBuilder().setLength(length);
    Map<String, Session> parties = new LinkedHashMap<>();
    for (Map.Entry<Session, ClientMessage> e : keys.entrySet()) {
      Session s = e.getKey();
      ByteString key = e.getValue().getSecaggKey().getPublicKey();
      try {
        SecAggClient.publicKey(s.clientId, key); // a garbage key would only break the others' rounds
      } catch (IllegalArgumentException ex) {
        s.error(step, ErrorCode.MALFORMED_TENSOR, ex.getMessage() + "; left out of this secure aggregation");
        continue;
      }
      parties.put(s.clientId, s);
      list.putPublicKeys(s.clientId, key);
    }
    if (parties.size() < SecAggClient.MIN_PARTIES) {
      return giveUp(step, parties.size() + " parties sent keys; at least " + SecAggClient.MIN_PARTIES + " are needed");
    }
    ServerMessage keysMessage = ServerMessage.newBuilder().setStep(step).setSecaggKeys(list).build(); // (2)
    parties.values().forEach(s -> s.send(keysMessage.toBuilder().setSessionId(s.id).build()));

    SecureSum sum = new SecureSum(parties.keySet(), length);
    Map<Session, ClientMessage> shares = collector.collect(step, List.copyOf(parties.values()),
        ClientMessage.BodyCase.SECAGG_SHARE, deadline.get(), false);
    for (Map.Entry<Session, ClientMessage> e : shares.entrySet()) {
      Session s = e.getKey();
      ByteString bytes = e.getValue().getSecaggShare().getValues();
      try {
        if (bytes.size() != length * Long.BYTES) {
          throw new IllegalArgumentException("masked share from '" + s.clientId + "' has " + bytes.size()
              + " bytes but " + length + " int64 values (" + length * Long.BYTES + " bytes) are expected");
        }
        long[] values = new long[length];
        bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(values);
        sum.accept(s.clientId, values);
      } catch (IllegalArgumentException ex) {
        s.error(step, ErrorCode.MALFORMED_TENSOR, ex.getMessage() + "; recovered from as a dropout");
      }
    }
    List<String> dropped = sum.beginRecovery();
    if (!dropped.isEmpty()) {
      Set<String> droppedSet = Set.copyOf(dropped);
      List<Session> survivors = parties.values().stream().filter(s -> !droppedSet.contains(s.clientId)).toList();
      if (survivors.size() < SecAggClient.MIN_SURVIVORS) {
        return giveUp(step, survivors.size() + " share(s) arrived; at least " + SecAggClient.MIN_SURVIVORS
            + " are needed");
      }
      ServerMessage ask = ServerMessage.newBuilder().setStep(step)
          .setSecaggRecover(SecAggRecover.newBuilder().addAllDropped(dropped)).build();
      survivors.forEach(s -> s.send(ask.toBuilder().setSessionId(s.id).build()));
      Map<Session, ClientMessage> seeds = collector.collect(step, survivors, ClientMessage.BodyCase.SECAGG_SEEDS,
          deadline.get(), false);
      for (Map.Entry<Session, ClientMessage> e : seeds.entrySet()) {
        Map<String, byte[]> revealed = new HashMap<>();
        e.getValue().getSecaggSeeds().getSeedsMap().forEach((id, seed) -> revealed.put(id, seed.toByteArray()));
        try {
          sum.recover(e.getKey().clientId, revealed);
        } catch (IllegalArgumentException ex) {
          e.getKey().error(step, ErrorCode.MALFORMED_TENSOR, ex.getMessage());
        }
      }
    }
    try {
      return new Round(sum.sum(), sum.counted());
    } catch (IllegalStateException ex) {
      return giveUp(step, ex.getMessage());
    }
  }

  private <T> T giveUp(long step, String why) {
    notes.add("step " + step + ": secure aggregation did not finish (" + why + "); the previous average is kept");
    return null;
  }
}
