package org.mpsl4j.cli.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mpsl4j.engine.baselines.MethodResult;

/** Writes every measured figure: {@code results.json} (settings + all results) and {@code epochs.csv} (one row per method and epoch). */
public final class ResultFiles {
  private ResultFiles() {}

  public static void writeJson(Path file, Map<String, Object> settings, List<MethodResult> results) throws IOException {
    ReportJson.mapper()
        .writeValue(file.toFile(), orderedPair(settings, results));
  }

  private static Map<String, Object> orderedPair(Map<String, Object> settings, List<MethodResult> results) {
    Map<String, Object> out = new java.util.LinkedHashMap<>();
    out.put("settings", settings);
    out.put("summary", results.stream().map(ResultFiles::summary).toList());
    out.put("results", results);
    return out;
  }

  /**
   * One method's headline figures, as the report's table has them: its final and best score (null when it did not
   * train), the client replies it missed, and why it did not train (null when it did).
   */
  private static Map<String, Object> summary(MethodResult r) {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("label", r.label());
    m.put("trained", r.trained());
    m.put("finalScore", r.finalAccuracy());
    m.put("bestScore", r.bestAccuracy());
    m.put("missedReplies", r.missedReplies());
    m.put("failure", r.failure());
    return m;
  }

  /**
   * {@code seeds.json}: the seeds, the seed that drew the data, and each method's figures as mean ± std over the seeds
   * (and, for retrieval, its Recall@K); a figure not measured is null.
   */
  public static void writeSeedsJson(Path file, List<Long> seeds, long dataSeed, List<SeedSummary> summary,
      List<RecallSeedSummary> recall) throws IOException {
    Map<String, Object> out = new java.util.LinkedHashMap<>();
    out.put("seeds", seeds);
    out.put("dataSeed", dataSeed);
    out.put("summary", summary);
    if (!recall.isEmpty()) {
      out.put("retrieval", recall);
    }
    ReportJson.mapper().writeValue(file.toFile(), out);
  }

  public static void writeCsv(Path file, List<MethodResult> results) throws IOException {
    StringBuilder b = new StringBuilder("method,epoch,train_loss,test_accuracy,bytes_up_per_client,bytes_down_per_client,"
        + "train_seconds,client_fwd_macs_per_sample,client_fwd_bwd_macs_per_sample,server_state_bytes,label,"
        + "missed_replies\n");
    for (MethodResult r : results) {
      for (MethodResult.Epoch e : r.epochs()) {
        b.append(String.format(Locale.ROOT, "%s,%d,%.6f,%.6f,%.1f,%.1f,%.3f,%d,%d,%d,%s,%d%n", r.method().id(), e.epoch(),
            e.trainLoss(), e.testAccuracy(), e.bytesUpPerClient(), e.bytesDownPerClient(), e.seconds(),
            r.clientForwardMacs(), r.clientTrainingMacs(), r.serverStateBytes(), r.label(), e.missedReplies()));
      }
    }
    Files.writeString(file, b);
  }
}
