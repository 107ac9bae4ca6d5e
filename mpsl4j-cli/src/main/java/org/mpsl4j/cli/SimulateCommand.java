package org.mpsl4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.DataUnavailableException;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.Datasets;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.engine.ModelFactory;
import org.mpsl4j.engine.sim.Simulation;
import org.mpsl4j.engine.sim.SimulationConfig;
import org.mpsl4j.engine.sim.SimulationResult;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.Fusion;
import org.mpsl4j.model.ModelConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mpsl4j simulate}: the embedded MPSL simulation (server + N clients in one JVM over gRPC in-process). */
@Command(name = "simulate", mixinStandardHelpOptions = true,
    description = "Run MPSL with N in-process clients over the real protocol; print and save per-epoch results.")
final class SimulateCommand implements Callable<Integer> {
  @Option(names = "--data-dir", defaultValue = "data", description = "Dataset folder (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--dataset", defaultValue = Datasets.DEFAULT, description = "Dataset (default: ${DEFAULT-VALUE}).")
  String dataset;

  @Option(names = "--samples", defaultValue = "10000", description = "Samples per split, 0 = all (default: ${DEFAULT-VALUE}).")
  int samples;

  @Option(names = "--clients", defaultValue = "20", description = "Simulated clients (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(names = "--client-batch", defaultValue = "5", description = "Mini-batch per client (default: ${DEFAULT-VALUE}).")
  int clientBatch;

  @Option(names = "--epochs", defaultValue = "3", description = "Epochs (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--lr", defaultValue = "2e-3", description = "Adam learning rate, both sides (default: ${DEFAULT-VALUE}).")
  float lr;

  @Option(names = "--alpha", defaultValue = "0.5", description = "Dirichlet alpha; >= 1e4 means IID (default: ${DEFAULT-VALUE}).")
  double alpha;

  @Option(names = "--width", defaultValue = "64", description = "Encoder width (default: ${DEFAULT-VALUE}).")
  int width;

  @Option(names = "--depth", defaultValue = "4", description = "Encoder blocks (default: ${DEFAULT-VALUE}).")
  int depth;

  @Option(names = "--trainable-blocks", defaultValue = "-1", description = "Fine-tuned last blocks, -1 = all (default: ${DEFAULT-VALUE}).")
  int trainableBlocks;

  @Option(names = "--patch", defaultValue = "7", description = "Preferred patch size (default: ${DEFAULT-VALUE}).")
  int patch;

  @Option(names = "--seed", defaultValue = "2024", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--deadline-s", defaultValue = "120", description = "Per-phase step deadline in seconds (default: ${DEFAULT-VALUE}).")
  int deadlineSeconds;

  @Option(names = "--threads", defaultValue = "2", description = "Client worker threads (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--out", description = "Results folder (default: results/simulate-<time>).")
  Path out;

  @Override
  public Integer call() throws Exception {
    DataOptions options = DataOptions.builder().optSeed(seed).optMaxSamplesPerSplit(samples).optLog(System.out).build();
    DatasetSplit split;
    try {
      Datasets.prepare(dataset, dataDir, options, System.out);
      split = Datasets.load(dataset, dataDir, options);
    } catch (DataUnavailableException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    ModelConfig model = ModelFactory.forDataset(split.train(), EncoderConfig.small(width, depth, 4), Fusion.EARLY,
        trainableBlocks < 0 ? depth : trainableBlocks, patch);
    SimulationConfig config = new SimulationConfig(model, clients, clientBatch, epochs, lr, 5, alpha, 10, seed,
        Duration.ofSeconds(deadlineSeconds), threads);
    Simulation sim = new Simulation(config, split);
    Partition partition = sim.partition();
    System.out.printf("MPSL simulation: %s, %d train / %d test, %d clients (%s), batch %d per client = %d per step%n",
        dataset, split.train().size(), split.test().size(), clients, partition.method(), clientBatch, clients * clientBatch);
    SimulationResult result = sim.run(partition, e -> System.out.printf(
        "epoch %d/%d: %d steps, loss %.4f, train acc %.2f%%, test acc %.2f%%, %.2f steps/s, %d missed%n",
        e.epoch(), epochs, e.steps(), e.trainLoss(), 100 * e.trainAccuracy(), 100 * e.testAccuracy(),
        e.stepsPerSecond(), e.missedDeadlines()), s -> {});

    Table t = new Table("epoch", "steps", "train loss", "train acc", "test acc", "steps/s", "missed");
    for (SimulationResult.Epoch e : result.epochs()) {
      t.row(e.epoch(), e.steps(), String.format("%.4f", e.trainLoss()), String.format("%.2f%%", 100 * e.trainAccuracy()),
          String.format("%.2f%%", 100 * e.testAccuracy()), String.format("%.2f", e.stepsPerSecond()), e.missedDeadlines());
    }
    System.out.println();
    t.print(System.out);
    System.out.printf("%nbytes per client per epoch: %.1f KiB up, %.1f KiB down (mean over clients)%n",
        result.meanBytesUpPerClientPerEpoch() / 1024, result.meanBytesDownPerClientPerEpoch() / 1024);
    System.out.printf("MACs per sample: client fwd %,d, client fwd+bwd %,d, whole model fwd %,d (%.0fx the client)%n",
        result.clientForwardMacs(), result.clientTrainingMacs(), result.wholeForwardMacs(),
        (double) result.wholeForwardMacs() / Math.max(1, result.clientForwardMacs()));
    System.out.printf("server parameters: %,d (one model for %d clients); wall time %.1f s%n",
        result.serverParameters(), clients, result.wallSeconds());
    Path dir = out != null ? out
        : Path.of("results", "simulate-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    Files.createDirectories(dir);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("results.json").toFile(), result);
    Files.writeString(dir.resolve("partition.json"), partition.summarize(split.train().labels(), split.train().classNames()).toJson());
    System.out.println("wrote " + dir.resolve("results.json"));
    return 0;
  }
}
