package org.mpsl4j.engine.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mpsl4j.engine.secagg.Relay.longs;
import static org.mpsl4j.engine.secagg.Relay.raw;

import com.google.protobuf.ByteString;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mpsl4j.protocol.v1.SecAggBoxes;
import org.mpsl4j.protocol.v1.SecAggKeys;
import org.mpsl4j.protocol.v1.SecAggRecover;
import org.mpsl4j.protocol.v1.SecAggSeeds;

/**
 * A client's side of double masking: the shares of a round sum (after a dropout's masks are removed) to Σ nᵢ·θᵢ and
 * Σ nᵢ, and the client refuses every request that would leave one client's values readable.
 */
final class SecAggClientTest {
  private static final long STEP = 7;
  private static final float[][] VALUES = {{0.5f, -1.25f, 3f}, {2f, 0.75f, -0.5f}, {-1f, 1f, 0.25f}};
  private static final int[] SAMPLES = {10, 30, 60};

  @Test
  void shares_withOneDropoutRecovered_sumToTheSurvivorsWeightedValuesAndSamples() {
    Map<String, SecAggClient> clients = Relay.clients(3, null);
    SecAggKeys keys = Relay.keys(clients, STEP, 2, 4, false);
    Map<String, SecAggBoxes> boxes = Relay.exchange(clients, STEP, keys);
    SecureSum sum = new SecureSum(Relay.maskKeys(keys), clients.keySet(), 2, 4);
    sum.accept("c0", longs(clients.get("c0").share(STEP, boxes.get("c0"), VALUES[0], SAMPLES[0])));
    sum.accept("c1", longs(clients.get("c1").share(STEP, boxes.get("c1"), VALUES[1], SAMPLES[1])));
    clients.get("c2").share(STEP, boxes.get("c2"), VALUES[2], SAMPLES[2]); // computed, never delivered: c2 dropped
    assertThat(sum.beginUnmasking()).containsExactly("c2");
    SecAggRecover recover = SecAggRecover.newBuilder().addDropped("c2").addSurvivors("c0").addSurvivors("c1").build();
    for (String survivor : List.of("c0", "c1")) {
      SecAggSeeds revealed = clients.get(survivor).reveal(STEP, recover);
      assertThat(revealed.getSelfMaskSharesMap().keySet()).containsExactlyInAnyOrder("c0", "c1");
      assertThat(revealed.getKeySharesMap().keySet()).containsExactly("c2");
      sum.reveal(survivor, raw(revealed.getSelfMaskSharesMap()), raw(revealed.getKeySharesMap()));
    }
    float[] decoded = FixedPoint.decode(sum.sum(), 1);
    assertThat(decoded[3]).as("Σ nᵢ").isEqualTo(40f);
    for (int k = 0; k < 3; k++) {
      assertThat(decoded[k]).isEqualTo(SAMPLES[0] * VALUES[0][k] + SAMPLES[1] * VALUES[1][k]);
    }
  }

  @Test
  void boxes_inARoundOfTwo_orWithAThresholdOutOfRange_areRefused() {
    Map<String, SecAggClient> two = Relay.clients(2, null);
    SecAggKeys ofTwo = Relay.keys(two, STEP, 2, 4, false);
    assertThatThrownBy(() -> two.get("c0").boxes(STEP, ofTwo))
        .hasMessage("the round has 2 parties; at least 3 are needed, or a dropout would leave one client's values"
            + " alone in the sum");
    Map<String, SecAggClient> five = Relay.clients(5, null);
    SecAggKeys lowT = Relay.keys(five, STEP, 2, 4, false);
    assertThatThrownBy(() -> five.get("c0").boxes(STEP, lowT))
        .hasMessage("threshold 2 is at most half of the round's 5 parties: a server that lies about who dropped could"
            + " gather both shares of a client and unmask it (t > n/2 is needed)");
    SecAggKeys highT = Relay.keys(five, STEP, 6, 4, false);
    assertThatThrownBy(() -> five.get("c0").boxes(STEP, highT))
        .hasMessage("threshold 6 exceeds the round's 5 parties: no secret could be rebuilt");
  }

  @Test
  void share_ofAnotherRound_orOfTheWrongLength_isRefused() {
    Map<String, SecAggClient> clients = Relay.clients(3, null);
    SecAggKeys keys = Relay.keys(clients, STEP, 2, 4, false);
    Map<String, SecAggBoxes> boxes = Relay.exchange(clients, STEP, keys);
    assertThatThrownBy(() -> clients.get("c0").share(STEP + 1, boxes.get("c0"), VALUES[0], 1))
        .hasMessage("secure-aggregation message for step 8 but this client's round is step 7");
    assertThatThrownBy(() -> clients.get("c0").share(STEP, boxes.get("c0"), new float[5], 1))
        .hasMessage("the server asks for 4 values but this client has 5 parameters (+1 for its sample count)");
  }

  @Test
  void anAlteredBox_orABoxFromANonParty_isRefusedNamingTheSender() {
    Map<String, SecAggClient> clients = Relay.clients(3, null);
    SecAggKeys keys = Relay.keys(clients, STEP, 2, 4, false);
    SecAggBoxes mine = Relay.exchange(clients, STEP, keys).get("c0");
    byte[] altered = mine.getBoxesOrThrow("c1").toByteArray();
    altered[20] ^= 1;
    SecAggBoxes tampered = mine.toBuilder().putBoxes("c1", ByteString.copyFrom(altered)).build();
    assertThatThrownBy(() -> clients.get("c0").share(STEP, tampered, VALUES[0], 1))
        .hasMessage("the box from 'c1' does not open (AEADBadTagException): altered, of another round, or not sealed"
            + " for this client");
    SecAggBoxes stranger = mine.toBuilder().putBoxes("c9", mine.getBoxesOrThrow("c1")).build();
    assertThatThrownBy(() -> clients.get("c0").share(STEP, stranger, VALUES[0], 1))
        .hasMessage("a box from 'c9', who is not another party of this round");
    SecAggBoxes tooFew = SecAggBoxes.newBuilder().build();
    assertThatThrownBy(() -> clients.get("c0").share(STEP, tooFew, VALUES[0], 1))
        .hasMessage("only 1 parties (this client included) shared their keys, fewer than the threshold 2: no dropout"
            + " could be recovered");
  }

  @Test
  void reveal_isRefusedForBothShares_aSecondRequest_tooFewSurvivors_strangers_andBeforeTheShare() {
    Map<String, SecAggClient> clients = Relay.clients(4, null);
    SecAggKeys keys = Relay.keys(clients, STEP, 3, 4, false);
    Map<String, SecAggBoxes> boxes = Relay.exchange(clients, STEP, keys);
    assertThatThrownBy(() -> clients.get("c0").reveal(STEP, recover(List.of("c0", "c1", "c2"), List.of("c3"))))
        .hasMessage("asked to reveal shares before this client sent its share");
    clients.get("c0").share(STEP, boxes.get("c0"), new float[3], 1);
    assertThatThrownBy(() -> clients.get("c0").reveal(STEP, recover(List.of("c0", "c1", "c2", "c3"), List.of("c3"))))
        .hasMessage("the request names 'c3' as survivor and as dropout, asking for both shares of it: refused");
    assertThatThrownBy(() -> clients.get("c0").reveal(STEP, recover(List.of("c0", "c1"), List.of("c2", "c3"))))
        .hasMessage("the request names 2 survivors, fewer than the threshold 3: refused");
    assertThatThrownBy(() -> clients.get("c0").reveal(STEP, recover(List.of("c0", "c1", "c2"), List.of("c9"))))
        .hasMessage("the request names [c9] that this client did not mask with and leaves out [c3]: refused");
    assertThatThrownBy(() -> clients.get("c0").reveal(STEP, recover(List.of("c1", "c2", "c3"), List.of("c0"))))
        .hasMessage("the request names this client as dropped yet asks it to reveal: refused");
    assertThatThrownBy(() -> clients.get("c0").reveal(STEP, recover(List.of("c0", "c1", "c1"), List.of("c2", "c3"))))
        .hasMessage("the request's survivors [c0, c1, c1] name a party twice: refused");
    SecAggSeeds first = clients.get("c0").reveal(STEP, recover(List.of("c0", "c1", "c2"), List.of("c3")));
    assertThat(first.getKeySharesMap().keySet()).containsExactly("c3");
    assertThatThrownBy(() -> clients.get("c0").reveal(STEP, recover(List.of("c0", "c1", "c2", "c3"), List.of())))
        .hasMessage("a second reveal request for step 7: refused (one per round, so that no party's self-mask seed and"
            + " mask key are both revealed)");
  }

  @Test
  void publicKey_thatIsNotX25519_isRefusedNamingTheParty() {
    assertThatThrownBy(() -> SecAggClient.publicKey("c9", ByteString.copyFromUtf8("garbage")))
        .hasMessageStartingWith("the public key of 'c9' is not an X25519 key");
  }

  static SecAggRecover recover(List<String> survivors, List<String> dropped) {
    return SecAggRecover.newBuilder().addAllSurvivors(survivors).addAllDropped(dropped).build();
  }
}
