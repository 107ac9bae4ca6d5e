package org.mpsl4j.engine.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mpsl4j.protocol.v1.SecAggKeys;
import org.mpsl4j.protocol.v1.SecAggRecover;
import org.mpsl4j.protocol.v1.SecAggSeeds;
import org.mpsl4j.protocol.v1.SecAggShare;

/**
 * A client's side of the wire protocol's secure aggregation: the shares of a round sum (after the recovery of a
 * dropout) to Σ nᵢ·θᵢ and Σ nᵢ, and the client refuses every request that would leave one client's values readable.
 */
final class SecAggClientTest {
  private static final long STEP = 7;
  private static final float[][] VALUES = {{0.5f, -1.25f, 3f}, {2f, 0.75f, -0.5f}, {-1f, 1f, 0.25f}};
  private static final int[] SAMPLES = {10, 30, 60};

  @Test
  void shares_withOneDropoutRecovered_sumToTheSurvivorsWeightedValuesAndSamples() {
    Map<String, SecAggClient> clients = clients(3);
    SecAggKeys keys = keys(clients);
    SecureSum sum = new SecureSum(clients.keySet(), 4);
    sum.accept("c0", longs(clients.get("c0").share(STEP, keys, VALUES[0], SAMPLES[0])));
    sum.accept("c1", longs(clients.get("c1").share(STEP, keys, VALUES[1], SAMPLES[1])));
    clients.get("c2").share(STEP, keys, VALUES[2], SAMPLES[2]); // computed, never delivered: c2 dropped out
    assertThat(sum.beginRecovery()).containsExactly("c2");
    SecAggRecover recover = SecAggRecover.newBuilder().addDropped("c2").build();
    for (String survivor : List.of("c0", "c1")) {
      SecAggSeeds seeds = clients.get(survivor).reveal(STEP, recover);
      assertThat(seeds.getSeedsMap().keySet()).containsExactly("c2");
      Map<String, byte[]> raw = new LinkedHashMap<>();
      seeds.getSeedsMap().forEach((id, s) -> raw.put(id, s.toByteArray()));
      sum.recover(survivor, raw);
    }
    long[] total = sum.sum();
    float[] decoded = FixedPoint.decode(total, 1);
    assertThat(decoded[3]).as("Σ nᵢ").isEqualTo(40f);
    for (int k = 0; k < 3; k++) {
      assertThat(decoded[k]).isEqualTo(SAMPLES[0] * VALUES[0][k] + SAMPLES[1] * VALUES[1][k]);
    }
  }

  @Test
  void share_inARoundOfTwo_isRefused() {
    Map<String, SecAggClient> clients = clients(2);
    assertThatThrownBy(() -> clients.get("c0").share(STEP, keys(clients), VALUES[0], 1))
        .hasMessage("the round has 2 parties; at least 3 are needed, or a dropout would leave one client's values"
            + " alone in the sum");
  }

  @Test
  void share_ofAnotherRound_orOfTheWrongLength_isRefused() {
    Map<String, SecAggClient> clients = clients(3);
    SecAggKeys keys = keys(clients);
    assertThatThrownBy(() -> clients.get("c0").share(STEP + 1, keys, VALUES[0], 1))
        .hasMessage("secure-aggregation message for step 8 but this client's round is step 7");
    assertThatThrownBy(() -> clients.get("c0").share(STEP, keys, new float[5], 1))
        .hasMessage("the server asks for 4 values but this client has 5 parameters (+1 for its sample count)");
  }

  @Test
  void reveal_thatWouldLeaveOneShare_orOfANonParty_isRefused() {
    Map<String, SecAggClient> clients = clients(3);
    SecAggKeys keys = keys(clients);
    clients.get("c0").share(STEP, keys, VALUES[0], 1);
    assertThatThrownBy(() -> clients.get("c0").reveal(STEP, SecAggRecover.newBuilder().addDropped("c1")
        .addDropped("c2").build()))
        .hasMessage("revealing seeds with [c1, c2] would leave 1 share(s) in the sum; at least 2 are needed");
    assertThatThrownBy(() -> clients.get("c0").reveal(STEP, SecAggRecover.newBuilder().addDropped("c0").build()))
        .hasMessage("asked for the seed with 'c0', who is not another party of this round");
    assertThatThrownBy(() -> clients.get("c1").reveal(STEP, SecAggRecover.newBuilder().addDropped("c2").build()))
        .hasMessage("asked to reveal seeds before this client sent its share");
  }

  @Test
  void publicKey_thatIsNotX25519_isRefusedNamingTheParty() {
    assertThatThrownBy(() -> SecAggClient.publicKey("c9", com.google.protobuf.ByteString.copyFromUtf8("garbage")))
        .hasMessageStartingWith("the public key of 'c9' is not an X25519 key");
  }

  private static Map<String, SecAggClient> clients(int n) {
    Map<String, SecAggClient> out = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      SecAggClient c = new SecAggClient("c" + i);
      out.put("c" + i, c);
    }
    return out;
  }

  private static SecAggKeys keys(Map<String, SecAggClient> clients) {
    SecAggKeys.Builder b = SecAggKeys.newBuilder().setLength(4);
    clients.forEach((id, c) -> b.putPublicKeys(id, c.key(STEP).getPublicKey()));
    return b.build();
  }

  private static long[] longs(SecAggShare share) {
    long[] out = new long[share.getValues().size() / Long.BYTES];
    share.getValues().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
    return out;
  }
}
