package org.mpsl4j.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.mpsl4j.engine.baselines.Method;
import org.mpsl4j.engine.baselines.MethodResult;

final class SeedSummaryTest {
  private static final Offset<Double> EXACT = Offset.offset(1e-12);

  @Test
  void of_groupsByLabel_meanAndSampleStdPerEpoch() {
    List<List<MethodResult>> perSeed = List.of(
        List.of(run(Method.MPSL, 0.50, 0.70), run(Method.FEDAVG, 0.40, 0.60)),
        List.of(run(Method.MPSL, 0.60, 0.80), run(Method.FEDAVG, 0.40, 0.60)),
        List.of(run(Method.MPSL, 0.70, 0.90), run(Method.FEDAVG, 0.40, 0.60)));

    List<SeedSummary> rows = SeedSummary.of(perSeed);

    assertThat(rows).extracting(SeedSummary::label).containsExactly("MPSL", "FedAvg");
    SeedSummary mpsl = rows.get(0);
    assertThat(mpsl.seeds()).isEqualTo(3);
    assertThat(mpsl.epochMean()[0]).isCloseTo(0.60, EXACT);
    assertThat(mpsl.epochStd()[0]).isCloseTo(0.10, EXACT); // values 0.5, 0.6, 0.7: sample std 0.1
    assertThat(mpsl.finalMean()).isCloseTo(0.80, EXACT);
    assertThat(mpsl.finalStd()).isCloseTo(0.10, EXACT);
    assertThat(rows.get(1).finalStd()).as("equal runs").isZero();
  }

  @Test
  void std_singleValue_isZero() {
    assertThat(SeedSummary.std(new double[] {0.3})).isZero();
  }

  @Test
  void table_showsMeanPlusMinusStdInPercent() {
    List<SeedSummary> rows = SeedSummary.of(List.of(List.of(run(Method.MPSL, 0.5, 0.7)),
        List.of(run(Method.MPSL, 0.5, 0.9))));
    assertThat(SeedSummary.table(rows, List.of(1L, 2L))).contains("| MPSL | 80.00 ± 14.14 % |").contains("(1, 2)");
  }

  @Test
  void aSeedThatDidNotTrain_isCountedNotAveraged() {
    List<SeedSummary> rows = SeedSummary.of(List.of(List.of(run(Method.FEDAVG, 0.5, 0.7)),
        List.of(run(Method.FEDAVG, 0.1, 0.1).failed("round 1: no reply"))));

    assertThat(rows.get(0).seeds()).isEqualTo(1);
    assertThat(rows.get(0).untrainedSeeds()).isEqualTo(1);
    assertThat(rows.get(0).finalMean()).isCloseTo(0.7, EXACT);
    assertThat(SeedSummary.table(rows, List.of(1L, 2L))).contains("FedAvg did not train with 1 of 2 seeds");
  }

  private static MethodResult run(Method m, double... accuracies) {
    List<MethodResult.Epoch> epochs = new java.util.ArrayList<>();
    for (int e = 0; e < accuracies.length; e++) {
      epochs.add(new MethodResult.Epoch(e + 1, 1.0, accuracies[e], 1024, 2048, 1.0));
    }
    return new MethodResult(m, epochs, 1, 2, 3, 4.0);
  }
}
