package org.mpsl4j.engine.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.Datasets;
import org.mpsl4j.engine.ModelFactory;
import org.mpsl4j.engine.mpsl.ServerSideLoss;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.Fusion;
import org.mpsl4j.model.ModelChoices;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.Pooling;
import org.mpsl4j.model.pretrained.EncoderSource;
import org.mpsl4j.model.retrieval.RecallAtK;

/**
 * A short MPSL retrieval run on real OpenClipart pictures and their titles (fetched by the project's own
 * Debian fetch into target/), with a small scratch model and the loss on the server over the whole batch:
 * the global model's Recall@1 on held-out pairs is well above what random ranking gives (1/N).
 */
final class RetrievalLearnsTest {

  @Test
  void openclipart_serverSideLoss_beatsRandomRecall() throws Exception {
    Path dataDir = Path.of("target", "test-data");
    DataOptions options = DataOptions.builder().optSeed(2024).optMaxSamplesPerSplit(SAMPLES).build();
    Datasets.prepare("openclipart", dataDir, options, System.out);
    DatasetSplit split = Datasets.load("openclipart", dataDir, options);
    ModelConfig model = ModelFactory.forDataset(split.train(), new EncoderSource.Scratch(), EncoderConfig.small(32, 1, 2),
        new ModelChoices(ModelChoices.Task.RETRIEVAL, Fusion.LATE, Pooling.MEAN), 1, 8);
    SimulationConfig config = new SimulationConfig(model, 4, 10, EPOCHS, 2e-3f, 5, 1e5, 10, 2024,
        Duration.ofSeconds(60), 2);

    SimulationResult result = new Simulation(config, split)
        .configureServer(s -> s.useServerSideLoss(ServerSideLoss.contrastive()))
        .run(System.out::println);

    List<SimulationResult.Epoch> epochs = result.epochs();
    RecallAtK recall = epochs.get(epochs.size() - 1).recall();
    double random = 1.0 / recall.queries();
    System.out.println("final " + recall + "; random R@1 " + random);
    assertThat(recall.queries()).isEqualTo(split.test().size());
    assertThat(recall.meanR1()).as("mean R@1 vs random %s", random).isGreaterThan(MARGIN * random);
    assertThat(epochs.get(epochs.size() - 1).trainLoss()).isLessThan(epochs.get(0).trainLoss());
  }

  private static final int SAMPLES = 200;
  private static final int EPOCHS = 8;
  private static final double MARGIN = 3;
}
