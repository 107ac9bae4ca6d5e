package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

final class TokenizerPolicyTest {

  @Test
  void parseSyncEvery_namesAndCounts() {
    assertThat(TokenizerPolicy.parseSyncEvery("never")).isZero();
    assertThat(TokenizerPolicy.parseSyncEvery("0")).isZero();
    assertThat(TokenizerPolicy.parseSyncEvery("Epoch")).isEqualTo(TokenizerPolicy.EPOCH);
    assertThat(TokenizerPolicy.parseSyncEvery(" 10 ")).isEqualTo(10);
  }

  @Test
  void parseSyncEvery_badValue_namesTheChoices() {
    assertThatThrownBy(() -> TokenizerPolicy.parseSyncEvery("-3")).hasMessageContaining("never, epoch");
    assertThatThrownBy(() -> TokenizerPolicy.parseSyncEvery("often")).hasMessageContaining("'often'");
  }

  @Test
  void syncAfter_everyKthStep_butNotTheEpochsLast() {
    TokenizerPolicy every3 = new TokenizerPolicy(3, 1f);
    // 8 steps: after steps 3 and 6 (1-based); step 8 is the epoch end's, which averages anyway
    boolean[] expected = {false, false, true, false, false, true, false, false};
    for (int s = 0; s < 8; s++) {
      assertThat(every3.syncAfter(s, 8)).as("after step %d", s).isEqualTo(expected[s]);
    }
    assertThat(new TokenizerPolicy(1, 1f).syncAfter(5, 6)).as("last step of the epoch").isFalse();
  }

  @Test
  void paperAndEpoch_neverSyncMidEpoch() {
    for (int s = 0; s < 100; s++) {
      assertThat(TokenizerPolicy.PAPER.syncAfter(s, 101)).isFalse();
      assertThat(new TokenizerPolicy(TokenizerPolicy.EPOCH, 1f).syncAfter(s, 101)).isFalse();
    }
    assertThat(TokenizerPolicy.PAPER.syncs()).isFalse();
    assertThat(new TokenizerPolicy(TokenizerPolicy.EPOCH, 1f).syncs()).isTrue();
  }

  @Test
  void clientLearningRate_scalesTheServers() {
    assertThat(new TokenizerPolicy(0, 0.1f).clientLearningRate(2e-3f)).isCloseTo(2e-4f, org.assertj.core.data.Offset.offset(1e-9f));
    assertThat(new TokenizerPolicy(0, 0f).clientLearningRate(2e-3f)).isZero();
  }

  @Test
  void constructor_rejectsNegativeOrNonFiniteScale() {
    assertThatThrownBy(() -> new TokenizerPolicy(0, -1f)).hasMessageContaining("--tokenizer-lr-scale");
    assertThatThrownBy(() -> new TokenizerPolicy(0, Float.NaN)).hasMessageContaining("--tokenizer-lr-scale");
    assertThatThrownBy(() -> new TokenizerPolicy(-1, 1f)).hasMessageContaining("--tokenizer-sync");
  }

  @Test
  void parse_gradientsSelectsSharedGradients_othersAsBefore() {
    assertThat(TokenizerPolicy.parse("Gradients", 0.5f)).isEqualTo(TokenizerPolicy.sharedGradients(0.5f));
    assertThat(TokenizerPolicy.parse("gradients", 1f).syncs()).isTrue();
    assertThat(TokenizerPolicy.parse("10", 1f)).isEqualTo(new TokenizerPolicy(10, 1f));
    assertThatThrownBy(() -> TokenizerPolicy.parse("gradient", 1f)).hasMessageContaining("gradients");
    assertThatThrownBy(() -> new TokenizerPolicy(5, 1f, true)).hasMessageContaining("sync interval of 5");
  }

  @Test
  void sharedTables_rowsByDefaultWithSharedGradients_frozenOtherwise_andOnlyWithSharedGradients() {
    assertThat(TokenizerPolicy.sharedGradients(1).tables()).isEqualTo(TokenizerPolicy.SharedTables.ROWS);
    assertThat(TokenizerPolicy.PAPER.tables()).isEqualTo(TokenizerPolicy.SharedTables.FROZEN);
    assertThat(TokenizerPolicy.sharedGradients(1).withSharedTables(false).sharedTables()).isFalse();
    assertThat(TokenizerPolicy.sharedGradients(1).withSharedTables(TokenizerPolicy.SharedTables.DENSE_ADAM)
        .withClientAdversary(0.5f).tables()).as("kept by other withers").isEqualTo(TokenizerPolicy.SharedTables.DENSE_ADAM);
    assertThatThrownBy(() -> TokenizerPolicy.PAPER.withSharedTables(true)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--tokenizer-sync gradients");
    assertThat(TokenizerPolicy.parseSharedTables(" Dense-Adam ")).isEqualTo(TokenizerPolicy.SharedTables.DENSE_ADAM);
    assertThat(TokenizerPolicy.parseSharedTables("frozen")).isEqualTo(TokenizerPolicy.SharedTables.FROZEN);
    assertThatThrownBy(() -> TokenizerPolicy.parseSharedTables("sparse")).hasMessageContaining("rows, dense-adam, frozen");
  }
}
