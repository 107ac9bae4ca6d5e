package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.mpsl4j.engine.secagg.SecAggClient;

/** The server's check of a client's share boxes before relaying them: one box of the one size per other party. */
final class ShareBoxRelayTest {
  private static final Set<String> PARTIES = Set.of("a", "b", "c");
  private static final ByteString BOX = ByteString.copyFrom(new byte[SecAggClient.BOX_BYTES]);

  @Test
  void aBoxForEveryOtherParty_passes() {
    assertThat(ShareBoxRelay.problem("a", PARTIES, Map.of("b", BOX, "c", BOX))).isNull();
  }

  @Test
  void missingOrExtraRecipients_areNamed() {
    assertThat(ShareBoxRelay.problem("a", PARTIES, Map.of("b", BOX)))
        .isEqualTo("the share boxes from 'a' are for [b] but the other parties are [b, c]");
    assertThat(ShareBoxRelay.problem("a", PARTIES, Map.of("a", BOX, "b", BOX, "c", BOX)))
        .isEqualTo("the share boxes from 'a' are for [a, b, c] but the other parties are [b, c]");
  }

  @Test
  void aBoxOfTheWrongSize_isNamed() {
    assertThat(ShareBoxRelay.problem("a", PARTIES, Map.of("b", BOX, "c", BOX.substring(1))))
        .isEqualTo("the share box from 'a' for 'c' has " + (SecAggClient.BOX_BYTES - 1) + " bytes, not "
            + SecAggClient.BOX_BYTES);
  }
}
