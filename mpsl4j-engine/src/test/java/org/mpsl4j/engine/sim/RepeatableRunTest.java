package org.mpsl4j.engine.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.model.ModelConfig;

/**
 * A seeded simulation repeats to the last bit although its clients answer in whatever order their threads finish:
 * the server adds the clients' replies (here the shared tokenizer's gradients, summed every step) in the order of
 * its roster, not of their arrival. Checked on the defaults of {@code simulate} (one shared tokenizer trained by
 * FedSGD, spread batches) with four client threads: equal train loss, train accuracy and test accuracy after every
 * epoch, compared with {@code isEqualTo}; and the run holds as many live arrays after its second epoch as after its
 * first ({@link LiveArrays}).
 */
final class RepeatableRunTest {
  @Test
  @Timeout(240)
  void sharedTokenizerRun_withFourClientThreads_repeatsExactly() throws Exception {
    DatasetSplit split = SimTestData.mnist(600);
    ModelConfig model = SimTestData.smallModel(split);
    SimulationConfig config = SimTestData.cliDefaults(model, 12, 2, 4);

    SimulationResult first = new Simulation(config, split).run(e -> {});
    java.util.List<Integer> live = new java.util.ArrayList<>();
    SimulationResult second = new Simulation(config, split).run(e -> live.add(LiveArrays.settledCount()));

    assertThat(second.epochs()).hasSize(2);
    assertThat(live.get(1)).as("live arrays after epoch 2 against epoch 1").isEqualTo(live.get(0));
    for (int e = 0; e < 2; e++) {
      SimulationResult.Epoch a = first.epochs().get(e);
      SimulationResult.Epoch b = second.epochs().get(e);
      assertThat(b.steps()).isEqualTo(a.steps());
      assertThat(b.trainLoss()).as("epoch %d train loss", e + 1).isEqualTo(a.trainLoss());
      assertThat(b.trainAccuracy()).as("epoch %d train accuracy", e + 1).isEqualTo(a.trainAccuracy());
      assertThat(b.testAccuracy()).as("epoch %d test accuracy", e + 1).isEqualTo(a.testAccuracy());
    }
  }
}
