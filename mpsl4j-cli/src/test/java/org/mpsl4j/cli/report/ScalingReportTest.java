package org.mpsl4j.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mpsl4j.engine.baselines.Method;
import org.mpsl4j.engine.baselines.ScalingStudy;

/** A row that did not train shows as such in the table and CSV, never as a byte figure or a ratio. */
final class ScalingReportTest {
  private static final ScalingStudy.Row MPSL = new ScalingStudy.Row("depth", 1, 32, 1, 1000, 100, Method.MPSL,
      2048, 1024, 2.3, 1.0);
  private static final ScalingStudy.Row FEDAVG_UNTRAINED = new ScalingStudy.Row("depth", 1, 32, 1, 1000, 100,
      Method.FEDAVG, Double.NaN, Double.NaN, Double.NaN, 0.5, "FedAvg, round 1 of 1: no client's reply trained it");

  @Test
  void anUntrainedRow_isNotTrainedInTheTable_andHasNoRatio() {
    List<String[]> cells = ScalingReport.table(List.of(MPSL, FEDAVG_UNTRAINED));

    String[] row = cells.get(1);
    assertThat(row).contains("2.0", "1.0").containsSubsequence("not trained", "not trained");
    assertThat(row[row.length - 1]).isEqualTo("–");
  }

  @Test
  void csv_saysWhichRowsTrained(@TempDir Path dir) throws Exception {
    ScalingReport.writeCsv(dir.resolve("s.csv"), List.of(MPSL, FEDAVG_UNTRAINED));

    List<String> lines = Files.readAllLines(dir.resolve("s.csv"));
    assertThat(lines.get(0)).endsWith(",trained");
    assertThat(lines.get(1)).endsWith(",true");
    assertThat(lines.get(2)).endsWith(",false");
  }
}
