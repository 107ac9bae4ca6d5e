package org.mpsl4j.engine.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.Datasets;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.data.partition.Partitioner;
import org.mpsl4j.engine.ModelFactory;
import org.mpsl4j.engine.mpsl.TokenizerPolicy;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.Fusion;
import org.mpsl4j.model.ModelConfig;

/**
 * The global model must learn when every client holds one class (the harshest label skew, common on
 * real devices): on real phone + watch activity windows (sp-sw-har from ../shared, 5 classes, 2 clients
 * per class) MPSL with one shared tokenizer trained by FedSGD and proportional batches (docs/GLOBAL_MODEL.md)
 * beats the majority-class rate by a wide margin, while the tokenizer keeps learning from the clients.
 * The paper's MPSL stays at the majority-class rate here (the client-identity shortcut), which is what this
 * test would have caught.
 */
final class OneClassPerClientTest {

  @Test
  void oneClassPerClient_globalModelFarAboveMajorityRate() throws Exception {
    Path dataDir = Path.of("target", "test-data");
    DataOptions options = DataOptions.builder().optSeed(2024).optMaxSamplesPerSplit(1200)
        .optSpSwHarDir(shared("sp-sw-har")).build();
    Datasets.prepare("sp-sw-har", dataDir, options, System.out);
    DatasetSplit split = Datasets.load("sp-sw-har", dataDir, options);
    Partition oneClassEach = Partitioner.natural(split.train().labels(), 2, 2024);
    ModelConfig model = ModelFactory.forDataset(split.train(), EncoderConfig.small(32, 2, 4), Fusion.EARLY, 2, 7);
    SimulationConfig config = new SimulationConfig(model, oneClassEach.numClients(), 5, 4, 2e-3f, 5, 0.5, 1, 2024,
        Duration.ofSeconds(60), 2).withTokenizers(TokenizerPolicy.sharedGradients(1f)).withBatches(ClientBatches.PROPORTIONAL);

    SimulationResult result = new Simulation(config, split).run(oneClassEach, System.out::println, s -> {});

    double majority = majorityRate(split.test().labels(), split.test().numClasses());
    double global = result.epochs().get(result.epochs().size() - 1).testAccuracy();
    System.out.printf("one class per client: global %.2f %%, majority-class rate %.2f %%%n", 100 * global,
        100 * majority);
    assertThat(oneClassEach.numClients()).isEqualTo(2 * split.train().numClasses());
    assertThat(global).as("global test accuracy vs the majority-class rate %.3f", majority)
        .isGreaterThan(majority + 0.15);
  }

  /** {@code shared/datasets/<name>}, found by walking up from the working folder as the data tests do. */
  private static Path shared(String name) {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path candidate = d.resolve("shared").resolve("datasets").resolve(name);
      if (java.nio.file.Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    throw new AssertionError("shared/datasets/" + name + " not found above " + Path.of("").toAbsolutePath());
  }

  private static double majorityRate(int[] labels, int classes) {
    int[] counts = new int[classes];
    for (int l : labels) {
      counts[l]++;
    }
    return (double) java.util.Arrays.stream(counts).max().orElse(0) / labels.length;
  }

}
