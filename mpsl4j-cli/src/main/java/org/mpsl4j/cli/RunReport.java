package org.mpsl4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.engine.sim.SimulationResult;

/** How {@code simulate} and {@code server} show and save an MPSL run: epoch lines, a table, a JSON. */
final class RunReport {
  private RunReport() {}

  static void epochLine(PrintStream out, SimulationResult.Epoch e, int epochs) {
    out.printf("epoch %d/%d: %d steps, loss %.4f, train acc %.2f%%, global test acc %.2f%%, "
        + "personalized %.2f%%, %.2f steps/s, %d missed%n", e.epoch(), epochs, e.steps(), e.trainLoss(),
        100 * e.trainAccuracy(), 100 * e.testAccuracy(), 100 * e.personalizedAccuracy(), e.stepsPerSecond(),
        e.missedDeadlines());
    if (e.recall() != null) {
      out.println("  retrieval on the test split: " + e.recall()
          + " (accuracies above: mean R@1 on the test split, in-batch and in-share top-1 matches)");
    }
  }

  static void summary(PrintStream out, SimulationResult result, int clients) {
    Table t = new Table("epoch", "steps", "train loss", "train acc", "global test acc", "personalized acc", "steps/s",
        "missed");
    for (SimulationResult.Epoch e : result.epochs()) {
      t.row(e.epoch(), e.steps(), String.format("%.4f", e.trainLoss()), pct(e.trainAccuracy()), pct(e.testAccuracy()),
          pct(e.personalizedAccuracy()), String.format("%.2f", e.stepsPerSecond()), e.missedDeadlines());
    }
    out.println();
    t.print(out);
    out.printf("%ntraining bytes per client per epoch: %.1f KiB up, %.1f KiB down (mean over clients); "
        + "personalized evaluation: %.1f KiB more%n", result.meanBytesUpPerClientPerEpoch() / 1024,
        result.meanBytesDownPerClientPerEpoch() / 1024, result.meanEvaluationBytesPerClientPerEpoch() / 1024);
    out.printf("MACs per sample: client fwd %,d, client fwd+bwd %,d, whole model fwd %,d (%.0fx the client)%n",
        result.clientForwardMacs(), result.clientTrainingMacs(), result.wholeForwardMacs(),
        (double) result.wholeForwardMacs() / Math.max(1, result.clientForwardMacs()));
    out.printf("server parameters: %,d (one model for %d clients); wall time %.1f s%n", result.serverParameters(),
        clients, result.wallSeconds());
    if (!result.clientParameters().isEmpty()) {
      java.util.Map<String, java.util.List<String>> byPlace = new java.util.TreeMap<>();
      result.clientParameters().forEach((name, place) ->
          byPlace.computeIfAbsent(place, k -> new java.util.ArrayList<>()).add(name));
      out.println("client parameters in this process:");
      byPlace.forEach((place, names) -> out.printf("  %s: %s%n", place, String.join(", ", names)));
    }
  }

  /** The run's results folder: {@code out}, or results/&lt;kind&gt;-&lt;time&gt;. */
  static Path directory(Path out, String kind) {
    return out != null ? out
        : Path.of("results", kind + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
  }

  /** Writes results.json and partition.json to {@code dir}. */
  static Path write(SimulationResult result, Path dir, Partition partition, DatasetSplit split) throws IOException {
    write(result, dir);
    Files.writeString(dir.resolve("partition.json"),
        partition.summarize(split.train().labels(), split.train().classNames()).toJson());
    return dir.resolve("results.json");
  }

  /** Writes results.json alone (a deployed server knows no partition). */
  static Path write(SimulationResult result, Path dir) throws IOException {
    Files.createDirectories(dir);
    org.mpsl4j.cli.report.ReportJson.mapper().writeValue(dir.resolve("results.json").toFile(), result);
    return dir.resolve("results.json");
  }

  private static String pct(double v) {
    return String.format("%.2f%%", 100 * v);
  }
}
