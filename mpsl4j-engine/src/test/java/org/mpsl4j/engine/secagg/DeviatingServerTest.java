package org.mpsl4j.engine.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mpsl4j.engine.secagg.Relay.longs;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.mpsl4j.protocol.v1.SecAggBoxes;
import org.mpsl4j.protocol.v1.SecAggKeys;
import org.mpsl4j.protocol.v1.SecAggSeeds;

/**
 * A server that lies about who dropped (Bonawitz et al.'s reason for the self mask): five clients, t = 4 (the
 * default ⌊2·5/3⌋ + 1); every client sent its share, and the server tells the others that c1 dropped to get its mask
 * key, then tries to get c1's self-mask seed as well. The clients refuse every request that would hand it both, and
 * with everything it did get, c1's upload stays unreadable.
 */
final class DeviatingServerTest {
  private static final long STEP = 42;
  private static final int LENGTH = 500;
  private static final int T = Threshold.defaultFor(5);
  private static final String VICTIM = "c1";

  private final Map<String, SecAggClient> clients = Relay.clients(5, null);
  private final List<String> ids = List.copyOf(clients.keySet());
  private final SecAggKeys keys = Relay.keys(clients, STEP, T, LENGTH + 1, false);
  private final Map<String, long[]> uploads = new TreeMap<>();
  private final float[] victimValues = new float[LENGTH];

  DeviatingServerTest() {
    Random r = new Random(9);
    Map<String, SecAggBoxes> boxes = Relay.exchange(clients, STEP, keys);
    for (String id : ids) {
      float[] values = new float[LENGTH];
      for (int k = 0; k < LENGTH; k++) {
        values[k] = (float) r.nextGaussian();
      }
      if (id.equals(VICTIM)) {
        System.arraycopy(values, 0, victimValues, 0, LENGTH);
      }
      uploads.put(id, longs(clients.get(id).share(STEP, boxes.get(id), values, 1)));
    }
  }

  @Test
  void theDefaultThreshold_isAboveHalf() {
    assertThat(T).isEqualTo(4);
    assertThat(Threshold.problem(T, 5)).isNull();
    assertThat(Threshold.defaultFor(3)).as("3 clients: every share is needed, no dropout survivable").isEqualTo(3);
  }

  @Test
  void aServerThatClaimsALiveClientDropped_cannotGetBothOfItsShares_norUnmaskItsUpload() {
    List<String> others = ids.stream().filter(id -> !id.equals(VICTIM)).toList();
    Map<Integer, byte[]> keyShares = new TreeMap<>();
    Map<Integer, byte[]> seedShares = new TreeMap<>();
    // The lie: c1 dropped. Every other client believes it and reveals its share of c1's mask key.
    for (String id : others) {
      SecAggSeeds s = clients.get(id).reveal(STEP, SecAggClientTest.recover(others, List.of(VICTIM)));
      assertThat(s.getSelfMaskSharesMap()).as("%s's answer holds no self-mask share of the 'dropped' c1", id)
          .doesNotContainKey(VICTIM);
      keyShares.put(ids.indexOf(id) + 1, s.getKeySharesOrThrow(VICTIM).toByteArray());
    }
    // Then the other half of the lie: c1 survived after all. Each client that answered refuses a second reveal,
    for (String id : others) {
      assertThatThrownBy(() -> clients.get(id).reveal(STEP, SecAggClientTest.recover(ids, List.of())))
          .hasMessageContaining("a second reveal request for step 42: refused");
    }
    // and asking for both in one request is refused by c1 itself (the only client left to ask).
    assertThatThrownBy(() -> clients.get(VICTIM).reveal(STEP, SecAggClientTest.recover(ids, List.of(VICTIM))))
        .hasMessage("the request names 'c1' as survivor and as dropout, asking for both shares of it: refused");
    // c1 still answers an honest-looking request, with its own share of its self-mask seed: one share, of t = 4.
    SecAggSeeds own = clients.get(VICTIM).reveal(STEP, SecAggClientTest.recover(ids, List.of()));
    seedShares.put(ids.indexOf(VICTIM) + 1, own.getSelfMaskSharesOrThrow(VICTIM).toByteArray());
    assertThat(keyShares).as("mask-key shares of c1: enough").hasSize(T);
    assertThat(seedShares.size()).as("self-mask seed shares of c1: fewer than t").isLessThan(T);

    // With c1's mask key the server removes all its pairwise masks; the self mask stays.
    long[] stripped = uploads.get(VICTIM).clone();
    var key = PairwiseSeeds.privateKey(VICTIM, Shamir.recover(keyShares), Relay.maskKeys(keys).get(VICTIM));
    for (String peer : others) {
      byte[] seed = PairwiseSeeds.seed(key, VICTIM, peer, Relay.maskKeys(keys).get(peer));
      Masks.apply(stripped, Masks.stream(seed, stripped.length), VICTIM.compareTo(peer) < 0 ? -1 : 1);
    }
    assertThat(fractionClose(stripped)).as("c1's upload without its pairwise masks").isLessThan(0.01);
    // Removing the self mask needs t shares of c1's seed; fewer interpolate to a wrong seed (ShamirTest).
  }

  private double fractionClose(long[] fixed) {
    float[] decoded = FixedPoint.decode(java.util.Arrays.copyOf(fixed, LENGTH), 1);
    int close = 0;
    for (int k = 0; k < LENGTH; k++) {
      close += Math.abs(decoded[k] - victimValues[k]) < 1e-3 ? 1 : 0;
    }
    return (double) close / LENGTH;
  }
}
