package org.mpsl4j.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mpsl4j.engine.baselines.Method;
import org.mpsl4j.engine.baselines.MethodResult;

/**
 * The comparison's table and JSON put each method's missed client replies beside its score, and a method that did
 * not train is shown as not trained with the reason, never with its untrained model's score.
 */
final class ComparisonReportTest {
  @TempDir Path dir;

  private static MethodResult run(Method m, double accuracy, int missedPerEpoch) {
    List<MethodResult.Epoch> epochs = List.of(
        new MethodResult.Epoch(1, 1.0, accuracy / 2, 1024, 2048, 1.0, null, missedPerEpoch),
        new MethodResult.Epoch(2, 0.5, accuracy, 1024, 2048, 1.0, null, missedPerEpoch));
    return new MethodResult(m, epochs, 1, 2, 3, 4.0);
  }

  private static final String WHY = "FedAvg, round 1 of 2: no client's reply trained the global model";

  @Test
  void table_showsMissedRepliesBesideTheScore() {
    String table = MarkdownReport.table(Summary.of(List.of(run(Method.MPSL, 0.8, 0), run(Method.SPLITFED_V1, 0.6, 3))));

    assertThat(table).contains("| final test acc | best test acc | missed client replies |");
    assertThat(table).contains("| MPSL | 80.00 % | 80.00 % | 0 |").contains("| SplitFed v1 | 60.00 % | 60.00 % | 6 |");
  }

  @Test
  void aMethodThatDidNotTrain_isShownAsNotTrainedWithTheReason() {
    MethodResult failed = run(Method.FEDAVG, 0.1, 3).failed(WHY);

    String table = MarkdownReport.table(Summary.of(List.of(run(Method.MPSL, 0.8, 0), failed)));

    assertThat(table).contains("| FedAvg | not trained | not trained | 6 |").doesNotContain("10.00 %");
    assertThat(table).contains("**FedAvg did not train:** " + WHY);
  }

  @Test
  void resultsJson_summaryHasMissedRepliesAndFailure() throws Exception {
    Path file = dir.resolve("results.json");
    ResultFiles.writeJson(file, Map.of("dataset", "test"),
        List.of(run(Method.MPSL, 0.8, 1), run(Method.FEDAVG, 0.1, 3).failed(WHY)));

    JsonNode summary = new ObjectMapper().readTree(file.toFile()).get("summary");
    assertThat(summary.get(0).get("label").asText()).isEqualTo("MPSL");
    assertThat(summary.get(0).get("trained").asBoolean()).isTrue();
    assertThat(summary.get(0).get("finalScore").asDouble()).isEqualTo(0.8);
    assertThat(summary.get(0).get("missedReplies").asInt()).isEqualTo(2);
    assertThat(summary.get(0).get("failure").isNull()).isTrue();
    assertThat(summary.get(1).get("trained").asBoolean()).isFalse();
    assertThat(summary.get(1).get("finalScore").isNull()).isTrue();
    assertThat(summary.get(1).get("missedReplies").asInt()).isEqualTo(6);
    assertThat(summary.get(1).get("failure").asText()).isEqualTo(WHY);
  }

  @Test
  void epochsCsv_hasEachEpochsMissedReplies() throws Exception {
    Path file = dir.resolve("epochs.csv");
    ResultFiles.writeCsv(file, List.of(run(Method.SPLITFED_V1, 0.6, 3)));

    List<String> lines = Files.readAllLines(file);
    assertThat(lines.get(0)).endsWith(",label,missed_replies");
    assertThat(lines.subList(1, 3)).allSatisfy(l -> assertThat(l).endsWith(",SplitFed v1,3"));
  }
}
