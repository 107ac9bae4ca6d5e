package org.mpsl4j.engine.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mpsl4j.protocol.v1.SecAggBoxes;
import org.mpsl4j.protocol.v1.SecAggKeys;
import org.mpsl4j.protocol.v1.SecAggSeeds;
import org.mpsl4j.protocol.v1.SecAggShare;
import org.mpsl4j.protocol.v1.SecAggSum;

/**
 * A private average: the clients add group pads to their masked shares, the server sums as always (recovering a
 * dropout) and can decode nothing; the clients take the counted clients' pads off and get the survivors' weighted
 * average. Clients refuse rounds that do not fit their secret or their requirement.
 */
final class PrivateAverageTest {
  private static final long STEP = 11;
  private static final long GROUP_SEED = 77;
  private static final float[][] VALUES = {{0.5f, -1.25f, 3f}, {2f, 0.75f, -0.5f}, {-1f, 1f, 0.25f}};
  private static final int[] SAMPLES = {10, 30, 60};

  @Test
  void paddedShares_withADropoutRecovered_decodeOnTheClientsToTheSurvivorsAverage_butNotOnTheServer() {
    Map<String, SecAggClient> clients = clients(3, GROUP_SEED);
    SecAggKeys keys = Relay.keys(clients, STEP, 2, 4, true);
    Map<String, SecAggBoxes> boxes = Relay.exchange(clients, STEP, keys);
    SecureSum sum = new SecureSum(Relay.maskKeys(keys), clients.keySet(), 2, 4);
    sum.accept("c0", longs(clients.get("c0").share(STEP, boxes.get("c0"), VALUES[0], SAMPLES[0])));
    sum.accept("c1", longs(clients.get("c1").share(STEP, boxes.get("c1"), VALUES[1], SAMPLES[1])));
    clients.get("c2").share(STEP, boxes.get("c2"), VALUES[2], SAMPLES[2]); // never delivered: c2 dropped out
    sum.beginUnmasking();
    for (String survivor : List.of("c0", "c1")) {
      SecAggSeeds seeds = clients.get(survivor).reveal(STEP, SecAggClientTest.recover(List.of("c0", "c1"),
          List.of("c2")));
      sum.reveal(survivor, Relay.raw(seeds.getSelfMaskSharesMap()), Relay.raw(seeds.getKeySharesMap()));
    }
    long[] padded = sum.sum();
    assertThat(sum.counted()).containsExactly("c0", "c1");

    // What the server would decode, as it does without pads: nothing near the sum.
    float[] serverView = FixedPoint.decode(padded, 1);
    assertThat(Math.abs(serverView[3] - 40f)).as("Σ nᵢ as the server reads it").isGreaterThan(1f);

    float[] expected = new float[3];
    for (int k = 0; k < 3; k++) {
      expected[k] = (SAMPLES[0] * VALUES[0][k] + SAMPLES[1] * VALUES[1][k]) / 40f;
    }
    SecAggSum back = SecAggSum.newBuilder().setValues(bytes(padded)).addAllCounted(sum.counted()).build();
    for (SecAggClient c : clients.values()) { // the dropout, still connected, can decode too
      float[] average = c.average(STEP, back);
      for (int k = 0; k < 3; k++) {
        assertThat((double) average[k]).isCloseTo(expected[k], org.assertj.core.api.Assertions.within(1e-6));
      }
    }
  }

  @Test
  void average_withAnotherGroupSecret_isRefusedNamingTheSecret() {
    Map<String, SecAggClient> clients = clients(3, GROUP_SEED);
    clients.put("c3", new SecAggClient("c3").withGroupPads(GroupPads.fromClientSeed(GROUP_SEED + 1)));
    SecAggKeys keys = Relay.keys(clients, STEP, 3, 4, true);
    Map<String, SecAggBoxes> boxes = Relay.exchange(clients, STEP, keys);
    SecureSum sum = new SecureSum(Relay.maskKeys(keys), clients.keySet(), 3, 4);
    int i = 0;
    for (Map.Entry<String, SecAggClient> e : clients.entrySet()) {
      sum.accept(e.getKey(), longs(e.getValue().share(STEP, boxes.get(e.getKey()), VALUES[i % 3], SAMPLES[i % 3])));
      i++;
    }
    sum.beginUnmasking();
    for (Map.Entry<String, SecAggClient> e : clients.entrySet()) {
      SecAggSeeds seeds = e.getValue().reveal(STEP, SecAggClientTest.recover(List.copyOf(clients.keySet()), List.of()));
      sum.reveal(e.getKey(), Relay.raw(seeds.getSelfMaskSharesMap()), Relay.raw(seeds.getKeySharesMap()));
    }
    long[] total = sum.sum();
    SecAggSum back = SecAggSum.newBuilder().setValues(bytes(total)).addAllCounted(clients.keySet()).build();
    assertThatThrownBy(() -> clients.get("c0").average(STEP, back))
        .hasMessageStartingWith("the padded sum decodes to ")
        .hasMessageEndingWith("samples, not a whole positive number: the clients do not share one group secret"
            + " (--client-seed), or the sum was altered");
  }

  @Test
  void privateRound_withoutAGroupSecret_isRefused() {
    assertThatThrownBy(() -> new SecAggClient("c0").key(STEP, true))
        .hasMessage("the server asks for a private average, but this client has no group secret (--client-seed,"
            + " shared among the clients)");
  }

  @Test
  void clientThatRequiresPrivacy_refusesARoundTheServerCouldDecode() {
    SecAggClient c = new SecAggClient("c0").withGroupPads(GroupPads.fromClientSeed(GROUP_SEED)).requirePrivate();
    assertThatThrownBy(() -> c.key(STEP, false))
        .hasMessage("the server asks for an average it would decode itself; refused (this client requires"
            + " --private-average)");
  }

  @Test
  void paddedSum_countingANonParty_tooFewClients_orOfAPlainRound_isRefused() {
    Map<String, SecAggClient> clients = clients(3, GROUP_SEED);
    SecAggKeys keys = Relay.keys(clients, STEP, 2, 4, true);
    clients.get("c0").share(STEP, Relay.exchange(clients, STEP, keys).get("c0"), VALUES[0], 1);
    ByteString zeros = bytes(new long[4]);
    assertThatThrownBy(() -> clients.get("c0").average(STEP, SecAggSum.newBuilder().setValues(zeros)
        .addCounted("c0").addCounted("c9").build()))
        .hasMessage("the padded sum counts 'c9', who is not a party of this round");
    assertThatThrownBy(() -> clients.get("c0").average(STEP, SecAggSum.newBuilder().setValues(zeros)
        .addCounted("c0").build()))
        .hasMessage("the padded sum counts 1 client(s), fewer than the threshold 2");
    assertThatThrownBy(() -> clients.get("c0").average(STEP, SecAggSum.newBuilder().setValues(bytes(new long[3]))
        .addCounted("c0").addCounted("c1").build()))
        .hasMessage("the padded sum has 24 bytes but 4 int64 values (32 bytes) are expected");

    Map<String, SecAggClient> plain = clients(3, GROUP_SEED);
    SecAggKeys plainKeys = Relay.keys(plain, STEP, 2, 4, false);
    plain.get("c0").share(STEP, Relay.exchange(plain, STEP, plainKeys).get("c0"), VALUES[0], 1);
    assertThatThrownBy(() -> plain.get("c0").average(STEP, SecAggSum.newBuilder().setValues(zeros).build()))
        .hasMessage("a padded sum for step 11, which was not a private average");
  }

  @Test
  void pads_differByRoundAndClient() {
    GroupPads pads = GroupPads.fromClientSeed(GROUP_SEED);
    assertThat(pads.pad(STEP, "c0", 4)).isEqualTo(GroupPads.fromClientSeed(GROUP_SEED).pad(STEP, "c0", 4));
    assertThat(pads.pad(STEP, "c0", 4)).isNotEqualTo(pads.pad(STEP + 1, "c0", 4));
    assertThat(pads.pad(STEP, "c0", 4)).isNotEqualTo(pads.pad(STEP, "c1", 4));
    assertThat(pads.pad(STEP, "c0", 4)).isNotEqualTo(GroupPads.fromClientSeed(GROUP_SEED + 1).pad(STEP, "c0", 4));
  }

  private static Map<String, SecAggClient> clients(int n, long groupSeed) {
    Map<String, SecAggClient> out = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      out.put("c" + i, new SecAggClient("c" + i).withGroupPads(GroupPads.fromClientSeed(groupSeed)));
    }
    return out;
  }

  private static long[] longs(SecAggShare share) {
    long[] out = new long[share.getValues().size() / Long.BYTES];
    share.getValues().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
    return out;
  }

  private static ByteString bytes(long[] values) {
    ByteBuffer buf = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buf.asLongBuffer().put(values);
    return ByteString.copyFrom(buf.array());
  }
}
