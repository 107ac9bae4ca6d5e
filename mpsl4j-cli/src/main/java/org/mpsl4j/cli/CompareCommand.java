package org.mpsl4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mpsl4j.cli.report.CodecReport;
import org.mpsl4j.cli.report.MarkdownReport;
import org.mpsl4j.cli.report.Plots;
import org.mpsl4j.cli.report.ResultFiles;
import org.mpsl4j.cli.report.Summary;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.engine.baselines.Experiment;
import org.mpsl4j.engine.baselines.Method;
import org.mpsl4j.engine.baselines.MethodResult;
import org.mpsl4j.engine.baselines.MethodRunner;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.protocol.CodecSpec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mpsl4j compare}: runs MPSL and its baselines on one dataset, partition, model and seed, then
 * writes {@code results/compare-<time>/}: {@code results.json} and {@code epochs.csv} with every
 * per-epoch figure, {@code accuracy.png}, {@code bytes.png}, {@code client-macs.png} and
 * {@code report.md} with the summary table. Every figure is measured in the run.
 *
 * <p>Its defaults are sized for a 2-core machine (a few minutes): 3,000 samples per split, 10 clients.
 * The full-size run is {@code --samples 0 --clients 100 --epochs 15} with the reference model.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, defaultValueProvider = CompareCommand.Defaults.class,
    description = "Run MPSL and the baselines (centralized, FedAvg, FedCLIP-adapter, SplitFed v1/v2, sequential SL) on "
        + "the same data, partition, model and seed; write JSON, CSV, PNG plots and a Markdown report.")
public final class CompareCommand implements Callable<Integer> {
  @Mixin ExperimentOptions x;

  @Option(names = "--methods", split = ",", defaultValue = "mpsl,centralized,fedavg,fedclip,splitfed-v1,splitfed-v2,sl",
      description = "Comma-separated methods (default: ${DEFAULT-VALUE}).")
  List<String> methods;

  @Option(names = "--codecs", split = ",",
      description = "MPSL codec variants to add, each a codec for both directions (raw, fp16, bf16, int8, topk:F) or "
          + "up/down (e.g. topk:0.1/int8; topk-noef:F as up codec: top-k activations without error feedback); adds a "
          + "codec trade-off table and accuracy-vs-bytes.png. The float32 reference is the mpsl method's run (added "
          + "if --methods lacks it).")
  List<String> codecs = List.of();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--threads", defaultValue = "2", description = "Client worker threads (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--out", description = "Results folder (default: results/compare-<time>).")
  Path out;

  /** Smaller defaults than {@code simulate}'s for the shared options: seven methods must fit in a few minutes. */
  static final class Defaults implements CommandLine.IDefaultValueProvider {
    @Override
    public String defaultValue(CommandLine.Model.ArgSpec arg) {
      if (arg instanceof CommandLine.Model.OptionSpec o) {
        return switch (o.longestName()) {
          case "--samples" -> "3000";
          case "--clients" -> "10";
          default -> null;
        };
      }
      return null;
    }
  }

  @Override
  public Integer call() throws Exception {
    List<CodecReport.Variant> variants = codecVariants(); // before loading data: a typo fails at once
    List<Method> chosen = methods.stream().map(Method::parse).distinct().toList();
    DatasetSplit split = x.load();
    ModelConfig model = x.model(split);
    Partition partition = x.partition(split);
    Experiment experiment = new Experiment(model, split, partition, x.clientBatch, x.epochs, x.learningRate(), 5, x.seed,
        Duration.ofSeconds(x.deadlineSeconds), threads);
    System.out.printf("compare: %s, %d train / %d test, %d clients (%s), batch %d per client, %d epochs, lr %s%n",
        x.dataset, split.train().size(), split.test().size(), x.clients, partition.method(), x.clientBatch, x.epochs, x.learningRate());

    if (!variants.isEmpty() && !chosen.contains(Method.MPSL)) {
      chosen = java.util.stream.Stream.concat(java.util.stream.Stream.of(Method.MPSL), chosen.stream()).toList();
    }
    int runs = chosen.size() + variants.size();
    progress = TaskProgress.start("compare", (long) runs * x.epochs);
    List<MethodResult> results = new ArrayList<>();
    List<CodecReport.Variant> codecRuns = new ArrayList<>();
    for (Method m : chosen) {
      System.out.printf("%n[%d/%d] %s%n", results.size() + 1, runs, m.label());
      MethodResult r = m == Method.MPSL ? MethodRunner.mpsl(experiment, x.codecUp, x.codecDown, this::epochLine)
          : MethodRunner.run(m, experiment, this::epochLine);
      results.add(r);
      if (m == Method.MPSL) {
        codecRuns.add(new CodecReport.Variant(x.codecUp, x.codecDown, true, r));
      }
      System.out.printf(Locale.ROOT, "  done in %.1f s%n", r.wallSeconds());
    }
    for (CodecReport.Variant v : variants) {
      System.out.printf("%n[%d/%d] MPSL, activations %s%s, cut gradients %s%n", results.size() + 1, runs, v.up(),
          v.errorFeedback() ? "" : " (no error feedback)", v.down());
      MethodResult r = MethodRunner.mpsl(experiment, v.up(), v.down(), v.errorFeedback(), this::epochLine);
      results.add(r);
      codecRuns.add(new CodecReport.Variant(v.up(), v.down(), v.errorFeedback(), r));
      System.out.printf(Locale.ROOT, "  done in %.1f s%n", r.wallSeconds());
    }
    progress.close();

    List<Summary> rows = Summary.of(results);
    System.out.println();
    System.out.print(MarkdownReport.table(rows));
    Path dir = out != null ? out
        : Path.of("results", "compare-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    Files.createDirectories(dir);
    Map<String, Object> settings = settings(split, partition, model);
    ResultFiles.writeJson(dir.resolve("results.json"), settings, results);
    ResultFiles.writeCsv(dir.resolve("epochs.csv"), results);
    List<String> plots = new ArrayList<>(Plots.write(dir, results));
    String codecSection = variants.isEmpty() ? "" : CodecReport.section(codecRuns);
    if (!variants.isEmpty()) {
      System.out.print(codecSection);
      plots.add(Plots.accuracyVersusBytes(dir, codecRuns.stream().map(CodecReport.Variant::result).toList()));
    }
    List<String> lines = new ArrayList<>();
    settings.forEach((k, v) -> lines.add(k + ": " + v));
    MarkdownReport.write(dir.resolve("report.md"), "mpsl4j compare: " + x.dataset, commandLine(), lines, rows, plots,
        codecSection);
    Files.writeString(dir.resolve("partition.json"),
        partition.summarize(split.train().labels(), split.train().classNames()).toJson());
    System.out.println("\nwrote " + dir.resolve("report.md") + " (+ results.json, epochs.csv, " + String.join(", ", plots) + ")");
    return 0;
  }

  /** Over the epochs of all runs; set when the runs start. */
  private TaskProgress progress;

  private void epochLine(MethodResult.Epoch e) {
    progress.step(String.format(Locale.ROOT, "loss %.4f", e.trainLoss()));
    System.out.printf(Locale.ROOT, "  epoch %d/%d: loss %.4f, test acc %.2f%%, %.1f KiB up / %.1f KiB down per client, "
        + "%.1f s%n", e.epoch(), x.epochs, e.trainLoss(), 100 * e.testAccuracy(), e.bytesUpPerClient() / 1024,
        e.bytesDownPerClient() / 1024, e.seconds());
  }

  /** The --codecs variants (result not yet known: null), without the MPSL run's own pair (it already runs). */
  private List<CodecReport.Variant> codecVariants() {
    List<CodecReport.Variant> out = new ArrayList<>();
    java.util.Set<String> seen = new java.util.HashSet<>(List.of(x.codecUp + "/" + x.codecDown));
    for (String c : codecs) {
      String[] parts = c.split("/", -1);
      if (parts.length > 2) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--codecs entry '" + c
            + "' has more than one '/': use a codec for both directions or up/down, e.g. topk:0.1/int8");
      }
      CodecSpec up;
      CodecSpec down;
      boolean noEf = parts[0].trim().toLowerCase(Locale.ROOT).startsWith("topk-noef:");
      try {
        up = CodecSpec.parse(noEf ? "topk:" + parts[0].trim().substring("topk-noef:".length()) : parts[0]);
        down = parts.length == 2 ? CodecSpec.parse(parts[1]) : up;
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--codecs entry '" + c + "': " + e.getMessage());
      }
      if (seen.add(up + (noEf ? " no EF" : "") + "/" + down)) {
        out.add(new CodecReport.Variant(up, down, !noEf, null));
      }
    }
    return out;
  }

  private Map<String, Object> settings(DatasetSplit split, Partition partition, ModelConfig model) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("dataset", x.dataset);
    s.put("train samples", split.train().size());
    s.put("test samples", split.test().size());
    s.put("partition", partition.method() + ", " + partition.numClients() + " clients");
    s.put("client batch", x.clientBatch);
    s.put("epochs", x.epochs);
    s.put("learning rate", x.learningRate() + " (Adam, StepLR 5 × 0.1)");
    s.put("model", model.weights() + " encoder, width " + model.encoder().width() + ", depth " + model.encoder().depth() + ", "
        + model.trainableBlocks() + " trained blocks, " + model.encoderTokens() + " tokens, " + model.fusion() + " fusion");
    s.put("seed", x.seed);
    s.put("MPSL cut-layer codecs", "activations " + x.codecUp + ", gradients " + x.codecDown
        + (codecs.isEmpty() ? "" : "; variants " + String.join(", ", codecs)));
    s.put("threads", Runtime.getRuntime().availableProcessors() + " cores, " + threads + " client threads");
    return s;
  }

  private String commandLine() {
    return "./mpsl4j compare --dataset " + x.dataset + " --samples " + x.samples + " --clients " + x.clients + " --alpha "
        + x.alpha + " --epochs " + x.epochs + " --client-batch " + x.clientBatch + " --lr " + x.learningRate() + " --encoder " + x.encoder
        + " --width " + x.width + " --depth " + x.depth + " --seed " + x.seed + " --methods "
        + String.join(",", methods) + (x.codecUp.lossy() ? " --codec-up " + x.codecUp : "")
        + (x.codecDown.lossy() ? " --codec-down " + x.codecDown : "")
        + (codecs.isEmpty() ? "" : " --codecs " + String.join(",", codecs));
  }
}
