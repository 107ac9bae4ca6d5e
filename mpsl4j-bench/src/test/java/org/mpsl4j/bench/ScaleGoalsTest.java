package org.mpsl4j.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * B2's goal figures over several rounds: each ratio is taken within a round (the first and last client count run
 * side by side) and the goal reads the median over rounds, so one round that a shared machine slowed does not decide
 * it alone; each round's ratio is listed with it.
 */
class ScaleGoalsTest {
  @Test
  void stepRatio_isTheMedianOfThePerRoundRatios() {
    // rounds' step times 10 -> 1000 clients: 0.50 -> 0.55 (1.10), 0.40 -> 0.60 (1.50), 0.50 -> 0.65 (1.30)
    double[][] steps = {{0.50, 0.55}, {0.40, 0.60}, {0.50, 0.65}};
    List<ScaleBenchmark.Row> rows = new ArrayList<>();
    for (int round = 0; round < steps.length; round++) {
      rows.add(row(10, steps[round][0], round));
      rows.add(row(1000, steps[round][1], round));
    }
    BenchSuite.Goal step = stepGoal(rows);
    assertThat(step.value()).isCloseTo(1.30, within(1e-9));
    assertThat(step.met()).isFalse();
    assertThat(step.what()).contains("rounds 1.10, 1.50, 1.30");
    assertThat(step.goal()).contains("median of 3 rounds");
  }

  @Test
  void oneRound_isTheRatioOfItsFirstAndLastClientCount() {
    List<ScaleBenchmark.Row> rows = List.of(row(10, 0.50, 0), row(100, 0.52, 0), row(1000, 0.55, 0));
    BenchSuite.Goal step = stepGoal(rows);
    assertThat(step.value()).isCloseTo(1.10, within(1e-9));
    assertThat(step.met()).isTrue();
    assertThat(step.goal()).doesNotContain("rounds");
  }

  private static BenchSuite.Goal stepGoal(List<ScaleBenchmark.Row> rows) {
    ScaleBenchmark.Result r = new ScaleBenchmark.Result("small", "small", 1000, 768, Timings.of(new double[] {0.4}),
        rows, "test");
    return BenchSuite.goals(List.of(), r, null, null).stream().filter(g -> g.what().startsWith("step wall time"))
        .findFirst().orElseThrow();
  }

  private static ScaleBenchmark.Row row(int clients, double stepSeconds, int round) {
    Timings t = Timings.of(new double[] {stepSeconds});
    return new ScaleBenchmark.Row(ScaleBenchmark.STACKED, clients, 1000 / clients, t, 1.0, t, t, t, 100, 200, 100,
        200, 50, 1, 16, 1.0, 1.0, round);
  }
}
