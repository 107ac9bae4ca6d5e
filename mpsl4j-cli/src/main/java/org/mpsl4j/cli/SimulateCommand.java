package org.mpsl4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import org.mpsl4j.data.DataUnavailableException;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.engine.sim.Simulation;
import org.mpsl4j.engine.sim.SimulationConfig;
import org.mpsl4j.engine.sim.SimulationResult;
import org.mpsl4j.model.ModelConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mpsl4j simulate}: the embedded MPSL simulation (server + N clients in one JVM over gRPC in-process). */
@Command(name = "simulate", mixinStandardHelpOptions = true,
    description = "Run MPSL with N in-process clients over the real protocol; print and save per-epoch results.")
final class SimulateCommand implements Callable<Integer> {
  @Mixin ExperimentOptions x;

  @Option(names = "--threads", defaultValue = "2", description = "Client worker threads (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--out", description = "Results folder (default: results/simulate-<time>).")
  Path out;

  @Override
  public Integer call() throws Exception {
    DatasetSplit split;
    try {
      split = x.load();
    } catch (DataUnavailableException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    ModelConfig model = x.model(split);
    SimulationConfig config = new SimulationConfig(model, x.clients, x.clientBatch, x.epochs, x.lr, 5, x.alpha, 10, x.seed,
        Duration.ofSeconds(x.deadlineSeconds), threads);
    Simulation sim = new Simulation(config, split);
    Partition partition = x.partition(split);
    System.out.printf("MPSL simulation: %s, %d train / %d test, %d clients (%s), batch %d per client = %d per step%n",
        x.dataset, split.train().size(), split.test().size(), x.clients, partition.method(), x.clientBatch, x.clients * x.clientBatch);
    StepProgress bar = new StepProgress();
    sim.onProgress(bar);
    SimulationResult result;
    try {
      result = sim.run(partition, e -> {
        bar.endEpoch();
        System.out.printf("epoch %d/%d: %d steps, loss %.4f, train acc %.2f%%, global test acc %.2f%%, "
            + "personalized %.2f%%, %.2f steps/s, %d missed%n", e.epoch(), x.epochs, e.steps(), e.trainLoss(),
            100 * e.trainAccuracy(), 100 * e.testAccuracy(), 100 * e.personalizedAccuracy(), e.stepsPerSecond(),
            e.missedDeadlines());
      }, s -> {});
    } finally {
      bar.endEpoch();
    }

    Table t = new Table("epoch", "steps", "train loss", "train acc", "global test acc", "personalized acc", "steps/s",
        "missed");
    for (SimulationResult.Epoch e : result.epochs()) {
      t.row(e.epoch(), e.steps(), String.format("%.4f", e.trainLoss()), String.format("%.2f%%", 100 * e.trainAccuracy()),
          String.format("%.2f%%", 100 * e.testAccuracy()), String.format("%.2f%%", 100 * e.personalizedAccuracy()),
          String.format("%.2f", e.stepsPerSecond()), e.missedDeadlines());
    }
    System.out.println();
    t.print(System.out);
    System.out.printf("%nbytes per client per epoch: %.1f KiB up, %.1f KiB down (mean over clients)%n",
        result.meanBytesUpPerClientPerEpoch() / 1024, result.meanBytesDownPerClientPerEpoch() / 1024);
    System.out.printf("MACs per sample: client fwd %,d, client fwd+bwd %,d, whole model fwd %,d (%.0fx the client)%n",
        result.clientForwardMacs(), result.clientTrainingMacs(), result.wholeForwardMacs(),
        (double) result.wholeForwardMacs() / Math.max(1, result.clientForwardMacs()));
    System.out.printf("server parameters: %,d (one model for %d clients); wall time %.1f s%n",
        result.serverParameters(), x.clients, result.wallSeconds());
    Path dir = out != null ? out
        : Path.of("results", "simulate-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    Files.createDirectories(dir);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("results.json").toFile(), result);
    Files.writeString(dir.resolve("partition.json"), partition.summarize(split.train().labels(), split.train().classNames()).toJson());
    System.out.println("wrote " + dir.resolve("results.json"));
    return 0;
  }
}
