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
import org.mpsl4j.cli.report.RecallSeedSummary;
import org.mpsl4j.cli.report.Plots;
import org.mpsl4j.cli.report.RetrievalReport;
import org.mpsl4j.cli.report.ResultFiles;
import org.mpsl4j.cli.report.SeedSummary;
import org.mpsl4j.cli.report.Summary;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.engine.baselines.Experiment;
import org.mpsl4j.engine.baselines.Method;
import org.mpsl4j.engine.baselines.MethodResult;
import org.mpsl4j.engine.baselines.MethodRunner;
import org.mpsl4j.engine.baselines.UntrainedRoundException;
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

  @Option(names = "--methods", split = ",",
      description = "Comma-separated methods (default: " + CLASSIFICATION_METHODS + "; with --task retrieval: "
          + RETRIEVAL_METHODS + ", where mpsl computes the loss on each client and mpsl-server-loss on the server).")
  List<String> methods;

  static final String CLASSIFICATION_METHODS = "mpsl,centralized,fedavg,fedclip,splitfed-v1,splitfed-v2,sl";
  static final String RETRIEVAL_METHODS = "mpsl,mpsl-server-loss,centralized,fedavg,fedclip";

  @Option(names = "--codecs", split = ",",
      description = "MPSL codec variants to add, each a codec for both directions (raw, fp16, bf16, int8, topk:F) or "
          + "up/down (e.g. topk:0.1/int8; topk-noef:F as up codec: top-k activations without error feedback); adds a "
          + "codec trade-off table and accuracy-vs-bytes.png. The float32 reference is the mpsl method's run (added "
          + "if --methods lacks it).")
  List<String> codecs = List.of();

  @Option(names = "--method-lr", split = ",", description = "Per-method Adam learning rates that replace --lr for "
      + "those methods, e.g. mpsl=2e-3,fedavg=1e-3 (chosen by a sweep: docs/GLOBAL_MODEL.md).")
  List<String> methodLr = List.of();

  @Option(names = "--seeds", split = ",", description = "Run everything once per seed (model, partition and orders "
      + "each) and report mean ± std over them, with accuracy-seeds.png (error bars); replaces --seed.")
  List<Long> seeds = List.of();

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
          // One pooling for every method; mean, because FedCLIP's frozen scratch encoder has no usable CLS output.
          case "--pooling" -> "mean";
          default -> null;
        };
      }
      return null;
    }
  }

  @Override
  public Integer call() throws Exception {
    List<CodecReport.Variant> variants = codecVariants(); // before loading data: a typo fails at once
    x.checkChoices();
    if (methods == null) {
      methods = List.of((x.retrieval() ? RETRIEVAL_METHODS : CLASSIFICATION_METHODS).split(","));
    }
    List<Method> chosen = methods.stream().map(Method::parse).distinct().toList();
    Map<Method, Float> rates = methodRates();
    if (chosen.contains(Method.MPSL_SERVER_LOSS) && !x.retrieval()) {
      throw new CommandLine.ParameterException(spec.commandLine(), "method mpsl-server-loss needs --task retrieval: a "
          + "classification loss needs the labels, which stay on the clients");
    }
    DatasetSplit split = x.load();
    ModelConfig model = x.model(split);
    if (!variants.isEmpty() && !chosen.contains(Method.MPSL)) {
      chosen = java.util.stream.Stream.concat(java.util.stream.Stream.of(Method.MPSL), chosen.stream()).toList();
    }
    dataSeed = x.seed; // drew the split and the sample subset above: the same data for every --seeds entry
    List<Long> seedList = seeds.isEmpty() ? List.of(x.seed) : List.copyOf(seeds);
    List<List<MethodResult>> perSeed = new ArrayList<>();
    progress = TaskProgress.start("compare", (long) seedList.size() * (chosen.size() + variants.size()) * x.epochs);
    List<CodecReport.Variant> codecRuns = new ArrayList<>();
    Partition partition = null;
    for (long seed : seedList) {
      x.seed = seed; // model, partition and orders all follow the seed, as with --seed
      Partition p = x.partition(split);
      partition = partition == null ? p : partition;
      List<CodecReport.Variant> codecs = new ArrayList<>();
      perSeed.add(runSeed(split, model, p, chosen, variants, rates, codecs));
      if (perSeed.size() == 1) {
        codecRuns.addAll(codecs);
      }
    }
    progress.close();
    x.seed = seedList.get(0);
    List<MethodResult> results = perSeed.get(0);
    List<Summary> rows = Summary.of(results);
    String seedSection = "";
    List<SeedSummary> seedRows = SeedSummary.of(perSeed);
    String metric = x.retrieval() ? "mean R@1" : "test acc";
    String retrievalSection = x.retrieval() ? RetrievalReport.section(results, model.tokenizers().get(0).input(),
        model.tokenizers().get(1).input()) : "";
    System.out.println();
    System.out.print(MarkdownReport.table(rows, metric));
    System.out.print(retrievalSection);
    Path dir = out != null ? out
        : Path.of("results", "compare-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    Files.createDirectories(dir);
    Map<String, Object> settings = settings(split, partition, model);
    ResultFiles.writeJson(dir.resolve("results.json"), settings, results);
    ResultFiles.writeCsv(dir.resolve("epochs.csv"), results);
    List<String> plots = new ArrayList<>(Plots.write(dir, results));
    if (x.retrieval()) {
      plots.add(RetrievalReport.plot(dir, results));
    }
    if (seedList.size() > 1) {
      seedSection = SeedSummary.table(seedRows, seedList, metric) + "\n";
      List<RecallSeedSummary> recallRows = x.retrieval() ? RecallSeedSummary.of(perSeed) : List.of();
      if (x.retrieval()) {
        seedSection += RecallSeedSummary.table(recallRows, seedList, model.tokenizers().get(0).input(),
            model.tokenizers().get(1).input(), dataSeed) + "\n";
      }
      ResultFiles.writeSeedsJson(dir.resolve("seeds.json"), seedList, dataSeed, seedRows, recallRows);
      System.out.print("\n" + seedSection);
      plots.add(0, SeedSummary.plot(dir, seedRows));
      for (int i = 1; i < seedList.size(); i++) {
        ResultFiles.writeJson(dir.resolve("results-seed" + seedList.get(i) + ".json"), settings, perSeed.get(i));
        ResultFiles.writeCsv(dir.resolve("epochs-seed" + seedList.get(i) + ".csv"), perSeed.get(i));
      }
    }
    String codecSection = variants.isEmpty() ? "" : CodecReport.section(codecRuns);
    if (!variants.isEmpty()) {
      System.out.print(codecSection);
      plots.add(Plots.accuracyVersusBytes(dir, codecRuns.stream().map(CodecReport.Variant::result).toList()));
    }
    List<String> lines = new ArrayList<>();
    settings.forEach((k, v) -> lines.add(k + ": " + v));
    MarkdownReport.write(dir.resolve("report.md"), "mpsl4j compare: " + x.dataset, commandLine(), lines, rows, plots,
        retrievalSection + seedSection + codecSection, metric);
    Files.writeString(dir.resolve("partition.json"),
        partition.summarize(split.train().labels(), split.train().classNames()).toJson());
    System.out.println("\nwrote " + dir.resolve("report.md") + " (+ results.json, epochs.csv, " + String.join(", ", plots) + ")");
    List<String> untrained = perSeed.stream().flatMap(List::stream).filter(r -> !r.trained()).map(MethodResult::label)
        .toList();
    if (!untrained.isEmpty()) {
      System.err.println("compare: " + untrained.size() + " run(s) did not train (" + String.join(", ", untrained)
          + "); the report says why");
      return 1;
    }
    return 0;
  }

  /** Every chosen method and codec variant on one seed's partition (the seed is {@code x.seed}). */
  private List<MethodResult> runSeed(DatasetSplit split, ModelConfig model, Partition partition, List<Method> chosen,
      List<CodecReport.Variant> variants, Map<Method, Float> rates, List<CodecReport.Variant> codecRuns)
      throws Exception {
    Experiment experiment = new Experiment(model, split, partition, x.clientBatch, x.epochs, x.learningRate(), 5, x.seed,
        Duration.ofSeconds(x.deadlineSeconds), threads);
    System.out.printf("compare: %s, %d train / %d test, %d clients (%s), batch %d per client, %d epochs, lr %s, seed %d%n",
        x.dataset, split.train().size(), split.test().size(), x.clients, partition.method(), x.clientBatch, x.epochs,
        x.learningRate(), x.seed);
    int runs = chosen.size() + variants.size();
    List<MethodResult> results = new ArrayList<>();
    for (Method m : chosen) {
      System.out.printf("%n[%d/%d] %s%n", results.size() + 1, runs, m.label());
      Experiment mx = rates.containsKey(m) ? experiment.withLearningRate(rates.get(m)) : experiment;
      MethodResult r;
      try {
        r = m == Method.MPSL || m == Method.MPSL_SERVER_LOSS
            ? MethodRunner.mpsl(mx, x.codecUp, x.codecDown, true, x.tokenizerPolicy(), x.batches(),
                m == Method.MPSL_SERVER_LOSS || x.choices.serverSideLoss(), this::epochLine)
            : MethodRunner.run(m, mx, this::epochLine);
      } catch (UntrainedRoundException e) {
        // The other methods' runs stay; this one is reported as not trained, and the command's exit code says so.
        System.err.println("\ncompare: " + e.getMessage());
        r = e.result();
      }
      results.add(r);
      if (m == Method.MPSL) {
        codecRuns.add(new CodecReport.Variant(x.codecUp, x.codecDown, true, r));
      }
      System.out.printf(Locale.ROOT, "  done in %.1f s%n", r.wallSeconds());
    }
    for (CodecReport.Variant v : variants) {
      System.out.printf("%n[%d/%d] MPSL, activations %s%s, cut gradients %s%n", results.size() + 1, runs, v.up(),
          v.errorFeedback() ? "" : " (no error feedback)", v.down());
      MethodResult r;
      try {
        r = MethodRunner.mpsl(experiment, v.up(), v.down(), v.errorFeedback(), this::epochLine);
      } catch (UntrainedRoundException e) {
        System.err.println("\ncompare: " + e.getMessage());
        r = e.result();
      }
      results.add(r);
      codecRuns.add(new CodecReport.Variant(v.up(), v.down(), v.errorFeedback(), r));
      System.out.printf(Locale.ROOT, "  done in %.1f s%n", r.wallSeconds());
    }
    return results;
  }

  /** Over the epochs of all runs; set when the runs start. */
  private TaskProgress progress;

  private void epochLine(MethodResult.Epoch e) {
    progress.step(String.format(Locale.ROOT, "loss %.4f", e.trainLoss()));
    System.out.printf(Locale.ROOT, "  epoch %d/%d: loss %.4f, test %s %.2f%%, %.1f KiB up / %.1f KiB down per client, "
        + "%.1f s%n", e.epoch(), x.epochs, e.trainLoss(), e.recall() != null ? "mean R@1" : "acc",
        100 * e.testAccuracy(), e.bytesUpPerClient() / 1024, e.bytesDownPerClient() / 1024, e.seconds());
    if (e.missedReplies() > 0) {
      System.out.printf("    %d client replies missed the deadline or were refused%n", e.missedReplies());
    }
    if (e.recall() != null) {
      System.out.println("    " + e.recall());
    }
  }

  /** The --method-lr entries by method; a bad entry is a usage error naming it. */
  private Map<Method, Float> methodRates() {
    Map<Method, Float> out = new LinkedHashMap<>();
    for (String entry : methodLr) {
      String[] kv = entry.split("=", -1);
      try {
        if (kv.length != 2) {
          throw new IllegalArgumentException("expected method=rate");
        }
        float rate = Float.parseFloat(kv[1].trim());
        if (!(rate > 0) || !Float.isFinite(rate)) {
          throw new IllegalArgumentException("the rate must be a finite number > 0");
        }
        out.put(Method.parse(kv[0].trim()), rate);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--method-lr entry '" + entry + "': "
            + e.getMessage());
      }
    }
    return out;
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

  /** The seed the data was loaded with (--seed), whatever --seeds says; set before the runs. */
  private long dataSeed;

  private Map<String, Object> settings(DatasetSplit split, Partition partition, ModelConfig model) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("dataset", x.dataset);
    s.put("train samples", split.train().size());
    s.put("test samples", split.test().size());
    s.put("partition", partition.method() + ", " + partition.numClients() + " clients");
    s.put("client batch", x.clientBatch);
    s.put("epochs", x.epochs);
    s.put("learning rate", x.learningRate() + " (Adam, StepLR 5 × 0.1)"
        + (methodLr.isEmpty() ? "" : "; per method " + String.join(", ", methodLr)));
    s.put("pooling, fusion (every method)", model.pooling() + ", " + model.fusion());
    s.put("MPSL tokenizers", x.tokenizerPolicy() + "; client batches " + x.batches());
    s.put("model", model.weights() + " encoder, width " + model.encoder().width() + ", depth " + model.encoder().depth() + ", "
        + model.trainableBlocks() + " trained blocks, " + model.encoderTokens() + " tokens, " + model.fusion() + " fusion, "
        + model.pooling() + " pooling, task " + x.choices.choices().task()
        + (x.retrieval() ? " (symmetric InfoNCE, learned temperature from " + org.mpsl4j.model.retrieval.InfoNce.INITIAL_TEMPERATURE
            + ")" : ""));
    s.put("seed", seeds.isEmpty() ? (Object) x.seed : "model, partition and orders from each of --seeds "
        + seeds + "; the data (train/test split, sample subset) from --seed " + dataSeed + " for all of them");
    s.put("MPSL cut-layer codecs", "activations " + x.codecUp + ", gradients " + x.codecDown
        + (codecs.isEmpty() ? "" : "; variants " + String.join(", ", codecs)));
    s.put("threads", Runtime.getRuntime().availableProcessors() + " cores, " + threads + " client threads");
    return s;
  }

  private String commandLine() {
    return "./mpsl4j compare --dataset " + x.dataset + " --samples " + x.samples + " --clients " + x.clients + " --alpha "
        + x.alpha + " --epochs " + x.epochs + " --client-batch " + x.clientBatch + " --lr " + x.learningRate() + " --encoder " + x.encoder
        + " --width " + x.width + " --depth " + x.depth + " --patch " + x.patch + " --deadline-s " + x.deadlineSeconds
        + (seeds.isEmpty() ? " --seed " + x.seed : " --seed " + dataSeed + " --seeds " + seeds.stream().map(String::valueOf)
            .reduce((a, b) -> a + "," + b).orElse("")) + x.choices.commandLine()
        + " --partition " + x.partitionKind + " --tokenizer-sync " + x.tokenizerSync
        + " --tokenizer-lr-scale " + x.tokenizerLrScale + " --client-batches " + x.clientBatches
        + (x.clientAdversary > 0 ? " --client-adversary " + x.clientAdversary : "")
        + (methodLr.isEmpty() ? "" : " --method-lr " + String.join(",", methodLr)) + " --methods "
        + String.join(",", methods) + (x.codecUp.lossy() ? " --codec-up " + x.codecUp : "")
        + (x.codecDown.lossy() ? " --codec-down " + x.codecDown : "")
        + (codecs.isEmpty() ? "" : " --codecs " + String.join(",", codecs));
  }
}
