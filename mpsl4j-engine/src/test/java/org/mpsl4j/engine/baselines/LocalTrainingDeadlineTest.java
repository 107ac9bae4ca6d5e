package org.mpsl4j.engine.baselines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A federated round's deadline is one per-step allowance per mini-batch of the largest client's local training,
 * times the turns the clients take on the worker threads.
 */
final class LocalTrainingDeadlineTest {
  private static final Duration STEP = Duration.ofSeconds(120);

  @Test
  void oneAllowancePerMiniBatchOfTheLargestClient() {
    LocalTrainingDeadline d = new LocalTrainingDeadline(STEP, 8, 2);
    // 40 samples in batches of 8: 5 steps; 25 samples: 4; two clients on two workers: one turn.
    assertThat(d.forRound(List.of(40, 25), 1)).isEqualTo(STEP.multipliedBy(5));
    assertThat(d.forRound(List.of(40, 25), 3)).isEqualTo(STEP.multipliedBy(15));
  }

  @Test
  void clientsWaitingForAWorkerGetTheirTurnsToo() {
    LocalTrainingDeadline d = new LocalTrainingDeadline(STEP, 8, 2);
    // five clients on two workers: three turns of at most 5 steps
    assertThat(d.forRound(List.of(40, 8, 8, 8, 8), 1)).isEqualTo(STEP.multipliedBy(15));
  }

  @Test
  void aRoundWithoutClientsStillHasOneAllowance() {
    assertThat(new LocalTrainingDeadline(STEP, 8, 2).forRound(List.of(), 1)).isEqualTo(STEP);
  }

  @Test
  void refusesANonPositiveAllowance() {
    assertThatThrownBy(() -> new LocalTrainingDeadline(Duration.ZERO, 8, 2))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive per-step deadline");
  }
}
