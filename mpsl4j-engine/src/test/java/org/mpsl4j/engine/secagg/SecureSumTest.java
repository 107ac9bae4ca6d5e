package org.mpsl4j.engine.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.mpsl4j.engine.secagg.Relay.longs;
import static org.mpsl4j.engine.secagg.Relay.raw;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mpsl4j.protocol.v1.SecAggBoxes;
import org.mpsl4j.protocol.v1.SecAggKeys;
import org.mpsl4j.protocol.v1.SecAggSeeds;

/**
 * The server's side of double masking: the sum of masked shares, unmasked with t revealed shares per secret, is the
 * plain sample-weighted sum; a single share tells nothing; dropouts are recovered; bad shares and reveals are refused
 * with the reason.
 */
final class SecureSumTest {
  private static final long STEP = 3;
  private static final int LENGTH = 1000;
  private static final int[] SAMPLES = {40, 10, 25, 25};
  private static final int T = 3;

  private final Map<String, SecAggClient> clients = Relay.clients(4, null);
  private final Map<String, float[]> weights = new LinkedHashMap<>();
  private final SecAggKeys keys;
  private final Map<String, SecAggBoxes> boxes;
  private final Map<String, long[]> shares = new LinkedHashMap<>();

  SecureSumTest() {
    Random r = new Random(5);
    for (String id : clients.keySet()) {
      float[] w = new float[LENGTH];
      for (int i = 0; i < LENGTH; i++) {
        w[i] = (float) r.nextGaussian();
      }
      weights.put(id, w);
    }
    keys = Relay.keys(clients, STEP, T, LENGTH + 1, false);
    boxes = Relay.exchange(clients, STEP, keys);
    int i = 0;
    for (String id : clients.keySet()) {
      shares.put(id, longs(clients.get(id).share(STEP, boxes.get(id), weights.get(id), SAMPLES[i++])));
    }
  }

  private SecureSum server() {
    return new SecureSum(Relay.maskKeys(keys), clients.keySet(), T, LENGTH + 1);
  }

  /** Accepts the shares of {@code survivors}, then has each reveal what an honest server asks of it. */
  private SecureSum unmasked(List<String> survivors) {
    SecureSum server = server();
    survivors.forEach(id -> server.accept(id, shares.get(id)));
    List<String> dropped = server.beginUnmasking();
    for (String id : survivors) {
      SecAggSeeds s = clients.get(id).reveal(STEP, SecAggClientTest.recover(survivors, dropped));
      server.reveal(id, raw(s.getSelfMaskSharesMap()), raw(s.getKeySharesMap()));
    }
    return server;
  }

  private float[] plainAverage(List<String> who) {
    double total = 0;
    for (String id : who) {
      total += SAMPLES[new ArrayList<>(clients.keySet()).indexOf(id)];
    }
    float[] avg = new float[LENGTH];
    for (String id : who) {
      int n = SAMPLES[new ArrayList<>(clients.keySet()).indexOf(id)];
      for (int k = 0; k < LENGTH; k++) {
        avg[k] += (float) (weights.get(id)[k] * n / total);
      }
    }
    return avg;
  }

  private static void assertAverage(long[] sum, float[] plain) {
    double samples = sum[LENGTH] / (double) (1L << FixedPoint.FRACTION_BITS);
    float[] avg = FixedPoint.decode(java.util.Arrays.copyOf(sum, LENGTH), samples);
    for (int k = 0; k < LENGTH; k++) {
      assertThat(avg[k]).as("parameter %d", k).isCloseTo(plain[k], within(1e-6f));
    }
  }

  @Test
  void seedWith_isTheSameAtBothEndsOfAPair() {
    PairwiseSeeds a = new PairwiseSeeds("client-0");
    PairwiseSeeds b = new PairwiseSeeds("client-3");
    assertThat(a.seedWith("client-3", b.publicKey())).isEqualTo(b.seedWith("client-0", a.publicKey()));
  }

  @Test
  void sum_ofMaskedShares_isThePlainWeightedAverage_within1e6() {
    List<String> all = List.copyOf(clients.keySet());
    assertAverage(unmasked(all).sum(), plainAverage(all));
  }

  @Test
  void oneShare_tellsNothingAboutItsClient() {
    long[] s = shares.get("c0");
    float[] decoded = FixedPoint.decode(java.util.Arrays.copyOf(s, LENGTH), SAMPLES[0]);
    float[] w = weights.get("c0");
    int close = 0;
    long ones = 0;
    for (int k = 0; k < LENGTH; k++) {
      close += Math.abs(decoded[k] - w[k]) < 1e-3 ? 1 : 0;
      ones += Long.bitCount(s[k]);
    }
    assertThat(close).as("values within 1e-3 of the client's").isLessThan(LENGTH / 100);
    assertThat((double) ones / (LENGTH * 64L)).as("share of 1 bits").isCloseTo(0.5, within(0.01));
  }

  @Test
  void dropout_isRecoveredFromTheSurvivorsShares() {
    List<String> survivors = List.of("c0", "c1", "c3"); // c2 masked with everyone but never sent its share
    assertAverage(unmasked(survivors).sum(), plainAverage(survivors));
  }

  @Test
  void fewerThanTSurvivorShares_endTheRoundNamingTheSecret() {
    SecureSum server = server();
    List.of("c0", "c1", "c3").forEach(id -> server.accept(id, shares.get(id)));
    List<String> dropped = server.beginUnmasking();
    for (String id : List.of("c0", "c1")) { // c3 does not reveal
      SecAggSeeds s = clients.get(id).reveal(STEP, SecAggClientTest.recover(List.of("c0", "c1", "c3"), dropped));
      server.reveal(id, raw(s.getSelfMaskSharesMap()), raw(s.getKeySharesMap()));
    }
    assertThatThrownBy(server::sum)
        .hasMessage("cannot finish: 2 share(s) of the self-mask seed of 'c0' came, fewer than the threshold 3");
  }

  @Test
  void badShares_andBadReveals_areRefusedWithTheReason() {
    SecureSum server = server();
    assertThatThrownBy(() -> server.accept("c9", shares.get("c0"))).hasMessageContaining("did not share its keys");
    assertThatThrownBy(() -> server.accept("c0", new long[3])).hasMessageContaining("has 3 values but 1001");
    server.accept("c0", shares.get("c0"));
    assertThatThrownBy(() -> server.accept("c0", shares.get("c0"))).hasMessageContaining("second masked share");
    server.accept("c1", shares.get("c1"));
    server.accept("c3", shares.get("c3"));
    server.beginUnmasking();
    assertThatThrownBy(() -> server.accept("c2", shares.get("c2"))).hasMessageContaining("after unmasking began");
    SecAggSeeds s = clients.get("c0").reveal(STEP, SecAggClientTest.recover(List.of("c0", "c1", "c3"), List.of("c2")));
    byte[] share = s.getKeySharesOrThrow("c2").toByteArray();
    assertThatThrownBy(() -> server.reveal("c2", Map.of(), Map.of())).hasMessageContaining("sent no share");
    assertThatThrownBy(() -> server.reveal("c0", Map.of("c2", share), Map.of()))
        .hasMessage("'c0' revealed a self-mask seed share of dropout 'c2': refused");
    assertThatThrownBy(() -> server.reveal("c0", Map.of(), Map.of("c1", share)))
        .hasMessage("'c0' revealed a mask-key share of survivor 'c1': refused");
    assertThatThrownBy(() -> server.reveal("c0", Map.of(), Map.of("c2", new byte[7])))
        .hasMessage("'c0' revealed a share of 'c2' of 7 bytes, not 66");
    server.reveal("c0", raw(s.getSelfMaskSharesMap()), raw(s.getKeySharesMap()));
    assertThatThrownBy(() -> server.reveal("c0", Map.of(), Map.of())).hasMessage("'c0' revealed a second time");
  }

  @Test
  void anAlteredKeyShare_isCaughtAgainstThePublishedKey() {
    List<String> survivors = List.of("c0", "c1", "c3");
    SecureSum server = server();
    survivors.forEach(id -> server.accept(id, shares.get(id)));
    server.beginUnmasking();
    for (String id : survivors) {
      SecAggSeeds s = clients.get(id).reveal(STEP, SecAggClientTest.recover(survivors, List.of("c2")));
      Map<String, byte[]> keyShares = raw(s.getKeySharesMap());
      if (id.equals("c3")) {
        keyShares.get("c2")[65] ^= 1;
      }
      server.reveal(id, raw(s.getSelfMaskSharesMap()), keyShares);
    }
    assertThatThrownBy(server::sum).hasMessageMatching("cannot finish: the mask key.*'c2'.*");
  }
}
