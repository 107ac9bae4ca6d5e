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
import java.util.stream.Collectors;
import org.mpsl4j.cli.report.ScalingReport;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.Datasets;
import org.mpsl4j.engine.baselines.Method;
import org.mpsl4j.engine.baselines.ScalingStudy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mpsl4j scaling}: the communication-scaling study. Runs MPSL and FedAvg (by default) for one
 * epoch on a few samples per client for each encoder shape of a depth sweep and a width sweep, with
 * the same code paths as {@code compare}, and reports the bytes per client per epoch that were really
 * sent, counted from serialized messages. Writes {@code results/scaling-<time>/}: {@code scaling.json},
 * {@code scaling.csv} and {@code scaling.png}.
 */
@Command(name = "scaling", mixinStandardHelpOptions = true,
    description = "Measure bytes per client per epoch of MPSL and FedAvg as encoder depth and width grow "
        + "(really run, one epoch each); print a table, write scaling.json, scaling.csv and scaling.png.")
public final class ScalingCommand implements Callable<Integer> {
  @Option(names = "--data-dir", defaultValue = "data", description = "Dataset folder (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--dataset", defaultValue = Datasets.DEFAULT, description = "Dataset (default: ${DEFAULT-VALUE}).")
  String dataset;

  @Option(names = "--clients", defaultValue = "2", description = "Clients (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(names = "--samples-per-client", defaultValue = "20",
      description = "Training samples per client (default: ${DEFAULT-VALUE}).")
  int samplesPerClient;

  @Option(names = "--client-batch", defaultValue = "5", description = "Mini-batch per client (default: ${DEFAULT-VALUE}).")
  int clientBatch;

  @Option(names = "--depths", split = ",", defaultValue = "2,4,8,12",
      description = "Encoder depths of the depth sweep (default: ${DEFAULT-VALUE}).")
  List<Integer> depths;

  @Option(names = "--depth-sweep-width", defaultValue = "192",
      description = "Encoder width of the depth sweep (default: ${DEFAULT-VALUE}).")
  int depthSweepWidth;

  @Option(names = "--widths", split = ",", defaultValue = "192,384,768",
      description = "Encoder widths of the width sweep (default: ${DEFAULT-VALUE}).")
  List<Integer> widths;

  @Option(names = "--width-sweep-depth", defaultValue = "4",
      description = "Encoder depth of the width sweep (default: ${DEFAULT-VALUE}).")
  int widthSweepDepth;

  @Option(names = "--head-dim", defaultValue = "64",
      description = "Attention head width: heads = width / head-dim (default: ${DEFAULT-VALUE}).")
  int headDim;

  @Option(names = "--methods", split = ",", defaultValue = "mpsl,fedavg",
      description = "Comma-separated methods with clients (default: ${DEFAULT-VALUE}).")
  List<String> methods;

  @Option(names = "--lr", defaultValue = "2e-3", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
  float lr;

  @Option(names = "--patch", defaultValue = "7", description = "Preferred patch size (default: ${DEFAULT-VALUE}).")
  int patch;

  @Option(names = "--seed", defaultValue = "2024", description = "Seed of model and orders (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--threads", defaultValue = "2", description = "Client worker threads (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--deadline-s", defaultValue = "300",
      description = "Per-phase deadline in seconds (default: ${DEFAULT-VALUE}).")
  int deadlineSeconds;

  @Option(names = "--out", description = "Results folder (default: results/scaling-<time>).")
  Path out;

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (deadlineSeconds < 1) { // as compare refuses it: no phase can be waited for 0 s (FedAvg failed only at its turn)
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--deadline-s must be at least 1 but was " + deadlineSeconds);
    }
    List<Method> chosen = methods.stream().map(Method::parse).distinct().toList();
    for (Method m : chosen) {
      if (!m.hasClients()) {
        throw new IllegalArgumentException(m.id() + " has no clients and no traffic; choose methods with clients");
      }
    }
    DataOptions options = DataOptions.builder().optSeed(seed).optMaxSamplesPerSplit(clients * samplesPerClient)
        .optLog(System.out).optProgress(TaskProgress.forData()).build();
    Datasets.prepare(dataset, dataDir, options, System.out);
    DatasetSplit split = Datasets.load(dataset, dataDir, options);
    List<ScalingStudy.Config> configs = new ArrayList<>(ScalingStudy.depthSweep(depthSweepWidth, depths, headDim));
    configs.addAll(ScalingStudy.widthSweep(widthSweepDepth, widths, headDim));
    ScalingStudy.Settings settings = new ScalingStudy.Settings(clients, samplesPerClient, clientBatch, lr, seed, patch,
        Duration.ofSeconds(deadlineSeconds), threads);
    System.out.printf("scaling: %s, %d clients × %d samples, batch %d, 1 epoch per shape; methods %s%n", dataset,
        clients, samplesPerClient, clientBatch, chosen.stream().map(Method::label).collect(Collectors.joining(", ")));

    long start = System.nanoTime();
    TaskProgress progress = TaskProgress.start("scaling", (long) configs.size() * chosen.size());
    List<ScalingStudy.Row> rows = ScalingStudy.run(split, settings, configs, chosen, r -> {
      if (!r.trained()) {
        System.out.printf(Locale.ROOT, "  %s sweep: depth %d, width %d: %s not trained: %s%n", r.sweep(), r.depth(),
            r.width(), r.method().label(), r.failure());
        progress.step("not trained");
        return;
      }
      System.out.printf(Locale.ROOT, "  %s sweep: depth %d, width %d (%d heads), %,d trainable params: %s %,.1f KiB up"
          + " / %,.1f KiB down per client, loss %.4f, %.1f s%n", r.sweep(), r.depth(), r.width(), r.heads(),
          r.trainableParameters(), r.method().label(), r.bytesUpPerClient() / 1024, r.bytesDownPerClient() / 1024,
          r.trainLoss(), r.wallSeconds());
      progress.step(String.format(Locale.ROOT, "loss %.4f", r.trainLoss()));
    });
    progress.close();

    System.out.println();
    List<String[]> cells = ScalingReport.table(rows);
    Table table = new Table(cells.get(0));
    cells.subList(1, cells.size()).forEach(c -> table.row((Object[]) c));
    table.print(System.out);
    System.out.println("KiB are serialized protocol messages per client in one epoch (one round), mean over clients.");

    Path dir = out != null ? out
        : Path.of("results", "scaling-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    Files.createDirectories(dir);
    ScalingReport.writeJson(dir.resolve("scaling.json"), settings(split), rows);
    ScalingReport.writeCsv(dir.resolve("scaling.csv"), rows);
    String plot = ScalingReport.writePlot(dir, rows);
    System.out.printf(Locale.ROOT, "%nwrote %s (+ scaling.csv, %s) in %.1f s%n", dir.resolve("scaling.json"), plot,
        (System.nanoTime() - start) / 1e9);
    long untrained = rows.stream().filter(r -> !r.trained()).count();
    if (untrained > 0) {
      System.err.println("scaling: " + untrained + " row(s) did not train and have no byte figures (\"not trained\" "
          + "in the table; the reason is printed above and in scaling.json)");
      return 1;
    }
    return 0;
  }

  private Map<String, Object> settings(DatasetSplit split) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("command", commandLine());
    s.put("dataset", dataset);
    s.put("train samples", split.train().size());
    s.put("test samples", split.test().size());
    s.put("clients", clients);
    s.put("samples per client", samplesPerClient);
    s.put("client batch", clientBatch);
    s.put("epochs per shape", 1);
    s.put("learning rate", lr);
    s.put("model", "pre-norm encoder, MLP 4 × width, heads = width / " + headDim + ", every block trained, patch "
        + patch + ", early fusion");
    s.put("seed", seed);
    s.put("threads", Runtime.getRuntime().availableProcessors() + " cores, " + threads + " client threads");
    return s;
  }

  private String commandLine() {
    return "./mpsl4j scaling --dataset " + dataset + " --clients " + clients + " --samples-per-client "
        + samplesPerClient + " --client-batch " + clientBatch + " --depths " + join(depths) + " --depth-sweep-width "
        + depthSweepWidth + " --widths " + join(widths) + " --width-sweep-depth " + widthSweepDepth + " --head-dim "
        + headDim + " --methods " + String.join(",", methods) + " --lr " + lr + " --patch " + patch + " --seed " + seed;
  }

  private static String join(List<Integer> values) {
    return values.stream().map(String::valueOf).collect(Collectors.joining(","));
  }
}
