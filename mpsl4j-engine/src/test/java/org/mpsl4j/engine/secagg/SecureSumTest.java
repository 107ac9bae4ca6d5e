package org.mpsl4j.engine.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Secure aggregation of tokenizer uploads: the server's sum of masked shares is the plain sample-weighted sum, a
 * single share tells nothing, dropouts are recovered from the survivors' seeds, and bad shares are refused with the
 * reason.
 */
final class SecureSumTest {
  private static final int LENGTH = 1000;
  private static final List<String> IDS = List.of("client-0", "client-1", "client-2", "client-3");
  private static final int[] SAMPLES = {40, 10, 25, 25};

  /** Each client's key pair, weights, and seeds with every peer (what the key agreement gives it). */
  private final Map<String, PairwiseSeeds> keys = new LinkedHashMap<>();
  private final Map<String, float[]> weights = new LinkedHashMap<>();

  SecureSumTest() {
    Random r = new Random(5);
    for (String id : IDS) {
      keys.put(id, new PairwiseSeeds(id));
      float[] w = new float[LENGTH];
      for (int i = 0; i < LENGTH; i++) {
        w[i] = (float) r.nextGaussian();
      }
      weights.put(id, w);
    }
  }

  private Map<String, byte[]> seeds(String self) {
    Map<String, byte[]> out = new HashMap<>();
    for (String peer : IDS) {
      if (!peer.equals(self)) {
        out.put(peer, keys.get(self).seedWith(peer, keys.get(peer).publicKey()));
      }
    }
    return out;
  }

  private long[] share(int i) {
    String id = IDS.get(i);
    return Masks.mask(id, FixedPoint.encode(weights.get(id), SAMPLES[i]), seeds(id));
  }

  private float[] plainAverage(List<Integer> who) {
    double total = who.stream().mapToInt(i -> SAMPLES[i]).sum();
    float[] avg = new float[LENGTH];
    for (int i : who) {
      float[] w = weights.get(IDS.get(i));
      for (int k = 0; k < LENGTH; k++) {
        avg[k] += (float) (w[k] * SAMPLES[i] / total);
      }
    }
    return avg;
  }

  @Test
  void seedWith_isTheSameAtBothEndsOfAPair() {
    assertThat(keys.get("client-0").seedWith("client-3", keys.get("client-3").publicKey()))
        .isEqualTo(keys.get("client-3").seedWith("client-0", keys.get("client-0").publicKey()));
  }

  @Test
  void sum_ofMaskedShares_isThePlainWeightedAverage() {
    SecureSum server = new SecureSum(Set.copyOf(IDS), LENGTH);
    for (int i = 0; i < IDS.size(); i++) {
      server.accept(IDS.get(i), share(i));
    }
    float[] avg = FixedPoint.decode(server.sum(), 100);
    float[] plain = plainAverage(List.of(0, 1, 2, 3));
    for (int k = 0; k < LENGTH; k++) {
      assertThat(avg[k]).as("parameter %d", k).isCloseTo(plain[k], within(1e-6f));
    }
  }

  @Test
  void oneShare_tellsNothingAboutItsClient() {
    // What the server holds of client-0 is its share (equivalently, the sum minus everyone else's shares):
    // decoded, it is no closer to client-0's weights than noise, and its bits are balanced like random ones.
    long[] s = share(0);
    float[] decoded = FixedPoint.decode(s, SAMPLES[0]);
    float[] w = weights.get("client-0");
    double err = 0;
    for (int k = 0; k < LENGTH; k++) {
      err += Math.abs(decoded[k] - w[k]);
    }
    assertThat(err / LENGTH).as("mean error of the decoded share").isGreaterThan(1e6);
    long ones = 0;
    for (long v : s) {
      ones += Long.bitCount(v);
    }
    assertThat((double) ones / (LENGTH * 64L)).as("share of 1 bits").isCloseTo(0.5, within(0.01));
  }

  @Test
  void dropout_isRecoveredFromTheSurvivorsSeeds() {
    SecureSum server = new SecureSum(Set.copyOf(IDS), LENGTH);
    for (int i : new int[] {0, 1, 3}) {
      server.accept(IDS.get(i), share(i)); // client-2 masked with everyone but never sent its share
    }
    assertThat(server.beginRecovery()).containsExactly("client-2");
    for (int i : new int[] {0, 1, 3}) {
      String id = IDS.get(i);
      server.recover(id, Map.of("client-2", seeds(id).get("client-2")));
    }
    float[] avg = FixedPoint.decode(server.sum(), SAMPLES[0] + SAMPLES[1] + SAMPLES[3]);
    float[] plain = plainAverage(List.of(0, 1, 3));
    for (int k = 0; k < LENGTH; k++) {
      assertThat(avg[k]).as("parameter %d", k).isCloseTo(plain[k], within(1e-6f));
    }
  }

  @Test
  void badShares_areRefusedWithTheReason() {
    SecureSum server = new SecureSum(Set.copyOf(IDS), LENGTH);
    assertThatThrownBy(() -> server.accept("client-9", share(0))).hasMessageContaining("not a participant");
    assertThatThrownBy(() -> server.accept("client-0", new long[3])).hasMessageContaining("has 3 values but 1000");
    server.accept("client-0", share(0));
    assertThatThrownBy(() -> server.accept("client-0", share(0))).hasMessageContaining("second masked share");
    server.accept("client-1", share(1));
    server.beginRecovery();
    assertThatThrownBy(() -> server.accept("client-2", share(2))).hasMessageContaining("after dropout recovery");
    assertThatThrownBy(() -> server.recover("client-0", Map.of("client-1", seeds("client-0").get("client-1"))))
        .hasMessageContaining("not a dropout");
    server.recover("client-0", Map.of("client-2", seeds("client-0").get("client-2"),
        "client-3", seeds("client-0").get("client-3")));
    assertThatThrownBy(server::sum).hasMessageContaining("'client-1' has not revealed its seed with dropout");
  }
}
