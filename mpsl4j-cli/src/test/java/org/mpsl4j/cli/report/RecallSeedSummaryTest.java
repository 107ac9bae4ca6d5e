package org.mpsl4j.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.mpsl4j.engine.baselines.Method;
import org.mpsl4j.engine.baselines.MethodResult;
import org.mpsl4j.model.retrieval.RecallAtK;

/** Recall@1/5/10 of both directions, per method, as mean ± sample standard deviation over the seeds that trained. */
final class RecallSeedSummaryTest {
  private static final Offset<Double> EXACT = Offset.offset(1e-12);

  private static MethodResult run(Method m, double r1Forward, double r1Backward) {
    RecallAtK k = new RecallAtK(new double[] {r1Forward, 0.5, 0.9}, new double[] {r1Backward, 0.4, 0.8}, 100);
    return new MethodResult(m, List.of(new MethodResult.Epoch(1, 1.0, k.meanR1(), 0, 0, 1.0, k)), 1, 2, 3, 4.0);
  }

  @Test
  void of_meanAndSampleStdOfEveryRecallPerMethod() {
    List<List<MethodResult>> perSeed = List.of(
        List.of(run(Method.MPSL_SERVER_LOSS, 0.2, 0.1), run(Method.FEDAVG, 0.05, 0.05)),
        List.of(run(Method.MPSL_SERVER_LOSS, 0.4, 0.3), run(Method.FEDAVG, 0.05, 0.05)));

    List<RecallSeedSummary> rows = RecallSeedSummary.of(perSeed);

    assertThat(rows).extracting(RecallSeedSummary::label).containsExactly(Method.MPSL_SERVER_LOSS.label(), "FedAvg");
    RecallSeedSummary mpsl = rows.get(0);
    assertThat(mpsl.seeds()).isEqualTo(2);
    assertThat(mpsl.forwardMean()[0]).isCloseTo(0.3, EXACT);
    assertThat(mpsl.forwardStd()[0]).isCloseTo(Math.sqrt(0.02), EXACT); // 0.2, 0.4: sample std 0.1414
    assertThat(mpsl.backwardMean()[0]).isCloseTo(0.2, EXACT);
    assertThat(mpsl.forwardMean()[2]).isCloseTo(0.9, EXACT);
    assertThat(mpsl.forwardStd()[2]).isZero();
    assertThat(mpsl.meanR1Mean()).isCloseTo(0.25, EXACT); // (0.15 + 0.35) / 2
    assertThat(mpsl.queries()).isEqualTo(100);
  }

  @Test
  void aSeedThatDidNotTrain_isCountedNotAveraged() {
    List<List<MethodResult>> perSeed = List.of(List.of(run(Method.FEDAVG, 0.3, 0.3)),
        List.of(run(Method.FEDAVG, 0.01, 0.01).failed("round 1: no reply")));

    RecallSeedSummary fedAvg = RecallSeedSummary.of(perSeed).get(0);

    assertThat(fedAvg.seeds()).isEqualTo(1);
    assertThat(fedAvg.untrainedSeeds()).isEqualTo(1);
    assertThat(fedAvg.forwardMean()[0]).isCloseTo(0.3, EXACT);
  }

  @Test
  void table_showsEachRecallAsMeanPlusMinusStd_andSaysTheDataIsTheSameForEverySeed() {
    List<RecallSeedSummary> rows = RecallSeedSummary.of(List.of(List.of(run(Method.CENTRALIZED, 0.2, 0.1)),
        List.of(run(Method.CENTRALIZED, 0.4, 0.3))));

    String table = RecallSeedSummary.table(rows, List.of(1L, 2L), "image", "text", 2024);

    assertThat(table).contains("| method | image→text R@1 | R@5 | R@10 | text→image R@1 |");
    assertThat(table).contains("| Centralized | 30.00 ± 14.14 % | 50.00 ± 0.00 % | 90.00 ± 0.00 % | 20.00 ± 14.14 % |");
    assertThat(table).contains("| random ranking (K/N) | 1.00 % | 5.00 % | 10.00 % |");
    assertThat(table).contains("the same for every seed (drawn with --seed 2024)");
  }
}
