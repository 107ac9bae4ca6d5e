package org.mpsl4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Smoke runs of the suite's harnesses at toy sizes, so that they keep working as the engine changes. */
class BenchHarnessTest {
  @Test
  void overheadRunsAllThreeSideBySideAndReportsRatios() throws Exception {
    List<String> log = new ArrayList<>();
    OverheadBenchmark.Result r = OverheadBenchmark.run(
        new OverheadBenchmark.Settings(BenchModels.SMALL, 3, 2, 1, 3, 2, 0, 7), log::add);
    assertThat(r.totalBatch()).isEqualTo(6);
    for (OverheadBenchmark.Mode m : List.of(r.centralized(), r.inProcess(), r.tcp())) {
      assertThat(m.stepSeconds().iterations()).isEqualTo(2); // 3 per turn, the first not counted
      assertThat(m.samplesPerSecond()).isPositive();
    }
    assertThat(r.centralized().ratio()).isEqualTo(1.0);
    assertThat(r.inProcess().ratio()).isPositive();
    assertThat(r.tcp().kibUpPerStep()).isPositive();
    assertThat(r.clientErrors()).isEmpty();
    assertThat(log).anyMatch(l -> l.contains("round 1"));
  }

  @Test
  void scaleRunsTheServerInItsOwnProcess() throws Exception {
    ScaleBenchmark.Result r = ScaleBenchmark.run(
        new ScaleBenchmark.Settings(BenchModels.SMALL, new int[] {4}, 4, 1, 2, 256, 7,
            List.of(ScaleBenchmark.PLAIN, ScaleBenchmark.BUNDLED)), l -> { });
    assertThat(r.rows()).extracting(ScaleBenchmark.Row::hosting)
        .containsExactly(ScaleBenchmark.PLAIN, ScaleBenchmark.BUNDLED);
    for (ScaleBenchmark.Row row : r.rows()) {
      assertThat(row.clients() * row.clientBatch()).isEqualTo(4);
      assertThat(row.idleRss()).isPositive();
      assertThat(row.peakRssTraining()).isGreaterThanOrEqualTo(row.idleRss() / 2);
      assertThat(row.stepSeconds().iterations()).isEqualTo(2);
      // one reading of the simulated clients' CPU per measured step, and they did compute in those steps
      assertThat(row.clientCpuSecondsPerStep().iterations()).isEqualTo(2);
      assertThat(row.clientCpuSecondsPerStep().max()).isPositive();
      assertThat(row.optimizerStates()).isPositive();
    }
  }

  @Test
  void markdownHoldsEveryGoal() {
    OverheadBenchmark.Mode c = new OverheadBenchmark.Mode("centralized", Timings.of(new double[] {0.1}), 100, 1,
        new double[] {1}, 0, 0);
    OverheadBenchmark.Mode memory = new OverheadBenchmark.Mode("mpsl in-memory", Timings.of(new double[] {0.1}), 96,
        0.96, new double[] {0.96}, 0, 0);
    OverheadBenchmark.Mode in = new OverheadBenchmark.Mode("mpsl in-process", Timings.of(new double[] {0.1}), 95,
        0.95, new double[] {0.95}, 10, 10);
    OverheadBenchmark.Mode tcp = new OverheadBenchmark.Mode("mpsl tcp", Timings.of(new double[] {0.1}), 70, 0.7,
        new double[] {0.7}, 10, 10);
    OverheadBenchmark.Result b1 = new OverheadBenchmark.Result("small", "small", 10, 10, 100, 1, 5, "2",
        new int[] {1, 1, 1, 1}, c, memory, in, tcp, List.of());
    List<BenchSuite.Goal> goals = BenchSuite.goals(List.of(b1), null, null, null);
    assertThat(goals).extracting(BenchSuite.Goal::met).containsExactly(true, true, false);
    BenchSuite.Report report = new BenchSuite.Report("./mpsl4j bench", "now", 1, "0 0 0", Machine.describe(), null,
        List.of(b1), null, null, null, null, goals, List.of());
    String md = BenchMarkdown.render(report);
    assertThat(md).contains("| B1 | MPSL in-memory port / centralized samples/s, small model | 0.960 | >= 0.95 | **yes** |")
        .contains("| mpsl in-memory | ")
        .contains("| B1 | MPSL in-process / centralized samples/s, small model | 0.950 | >= 0.90 | **yes** |")
        .contains("| B1 | MPSL TCP / centralized samples/s, small model | 0.700 | >= 0.80 | **no** |")
        .contains("### Machine");
  }
}
