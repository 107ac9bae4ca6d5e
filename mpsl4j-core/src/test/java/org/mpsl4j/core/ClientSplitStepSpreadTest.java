package org.mpsl4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.mpsl4j.core.cut.CutActivations;
import org.mpsl4j.core.port.StepPlan;
import org.mpsl4j.core.step.ClientSplitStep;

/** A client's side of spread batches: its 11 samples sliced over the server's T steps. */
final class ClientSplitStepSpreadTest {
  @Test
  void spreadOverSixSteps_everyStepHasASlice_andTheEpochCoversEverySampleOnce() {
    try (SplitFixture f = new SplitFixture(new int[][] {IntStream.range(0, 11).toArray()})) {
      ClientSplitStep c = f.clients.get(0);
      ClientSplitStep spread = f.client("spread", IntStream.range(0, 11).toArray(), 2);
      spread.spreadOver(6);
      assertThat(spread.stepsPerEpoch()).isEqualTo(6);
      int total = 0;
      for (int s = 0; s < 6; s++) {
        CutActivations a = spread.begin(new StepPlan(s + 1, 0, s, SplitFixture.LR));
        assertThat(a).as("step %d", s).isNotNull();
        assertThat(a.batch()).isBetween(1, 2);
        total += a.batch();
        spread.drop();
      }
      assertThat(total).isEqualTo(11);
      assertThat(spread.begin(new StepPlan(7, 0, 6, SplitFixture.LR))).as("past the epoch's T steps").isNull();
      assertThat(c.stepsPerEpoch()).as("fixed batches of its whole share").isEqualTo(1);
    }
  }

  @Test
  void aShareThatDoesNotFitItsBatch_isRefusedNamingBoth() {
    try (SplitFixture f = new SplitFixture(new int[][] {IntStream.range(0, 11).toArray()})) {
      ClientSplitStep spread = f.client("spread", IntStream.range(0, 11).toArray(), 2);
      assertThatThrownBy(() -> spread.spreadOver(3)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("11 samples over 3 steps need slices of 4 rows, more than its batch 2");
    }
  }
}
