package org.mpsl4j.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.Datasets;
import org.mpsl4j.engine.EpochResult;
import org.mpsl4j.engine.ModelFactory;
import org.mpsl4j.engine.centralized.CentralizedTrainer;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.Fusion;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.macs.MacCounter;
import org.mpsl4j.model.macs.MacReport;
import org.mpsl4j.model.train.StepLr;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The README's first command: fetch the default dataset, train a small model of the zoo end to end,
 * print a results table. Sized to finish in a few minutes on 2 cores.
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
    description = "Fetch MNIST, train a small ViT-style model end to end, print a results table.")
final class QuickstartCommand implements Callable<Integer> {
  @Option(names = "--data-dir", defaultValue = "data", description = "Where datasets are fetched and cached (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--dataset", defaultValue = Datasets.DEFAULT, description = "Dataset name (default: ${DEFAULT-VALUE}).")
  String dataset;

  @Option(names = "--samples", defaultValue = "20000", description = "Samples per split, 0 = all (default: ${DEFAULT-VALUE}).")
  int samples;

  @Option(names = "--epochs", defaultValue = "3", description = "Training epochs (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--batch", defaultValue = "50", description = "Batch size (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--lr", defaultValue = "1e-3", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
  float lr;

  @Option(names = "--width", defaultValue = "64", description = "Encoder width (default: ${DEFAULT-VALUE}).")
  int width;

  @Option(names = "--depth", defaultValue = "4", description = "Encoder blocks (default: ${DEFAULT-VALUE}).")
  int depth;

  @Option(names = "--patch", defaultValue = "7", description = "Preferred patch size (default: ${DEFAULT-VALUE}).")
  int patch;

  @Option(names = "--seed", defaultValue = "2024", description = "Seed for data, init and order (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() {
    DataOptions options = DataOptions.builder().optSeed(seed).optMaxSamplesPerSplit(samples).optLog(System.out).optProgress(TaskProgress.forData()).build();
    Datasets.prepare(dataset, dataDir, options, System.out);
    DatasetSplit split = Datasets.load(dataset, dataDir, options);
    ModelConfig config = ModelFactory.forDataset(split.train(), EncoderConfig.small(width, depth, 4), Fusion.EARLY,
        depth, patch);
    MacReport macs = MacCounter.count(config);
    System.out.printf("dataset %s: %d train / %d test samples, %d classes%n", dataset, split.train().size(),
        split.test().size(), split.train().numClasses());
    config.tokenizers().forEach(t -> System.out.println("tokenizer " + t));
    System.out.printf("encoder: %d blocks, width %d, %d tokens per sample; MACs/sample fwd: client %,d, whole %,d (%.0fx)%n",
        depth, width, config.encoderTokens(), macs.clientForward(), macs.wholeForward(), macs.wholeToClientForwardRatio());

    List<EpochResult> results;
    try (CentralizedTrainer trainer = new CentralizedTrainer(config, lr, new StepLr(lr, 5, 0.1f), batch, seed)) {
      results = trainer.train(split, epochs, r -> System.out.printf(
          "epoch %d/%d: loss %.4f, test accuracy %.2f%%, %.0f samples/s%n",
          r.epoch(), epochs, r.trainLoss(), 100 * r.testAccuracy(), r.samplesPerSecond()));
    }
    System.out.println();
    Table table = new Table("epoch", "train loss", "test acc", "samples/s", "epoch s");
    for (EpochResult r : results) {
      table.row(r.epoch(), String.format("%.4f", r.trainLoss()), String.format("%.2f%%", 100 * r.testAccuracy()),
          String.format("%.0f", r.samplesPerSecond()), String.format("%.1f", r.seconds()));
    }
    table.print(System.out);
    return 0;
  }
}
