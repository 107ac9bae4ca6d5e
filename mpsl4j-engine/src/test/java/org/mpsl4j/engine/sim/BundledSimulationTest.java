package org.mpsl4j.engine.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.model.ModelConfig;

/**
 * The simulation with its clients on one Bundled stream trains as with one stream per client: same steps, train
 * loss and accuracy, and test accuracy, within round-off (the server may join the clients' rows in another order).
 */
final class BundledSimulationTest {
  @Test
  @Timeout(180)
  void bundledClients_trainAsOneStreamPerClient() throws Exception {
    DatasetSplit split = SimTestData.mnist(600);
    ModelConfig model = SimTestData.smallModel(split);
    SimulationConfig config = new SimulationConfig(model, 30, 2, 2, 3e-3f, 5, 1e5, 10, 2024, Duration.ofSeconds(60), 2);

    SimulationResult plain = new Simulation(config, split).run(e -> {});
    SimulationResult bundled = new Simulation(config, split).bundleClients(true).run(e -> {});

    assertThat(bundled.epochs()).hasSize(2);
    for (int e = 0; e < 2; e++) {
      SimulationResult.Epoch p = plain.epochs().get(e);
      SimulationResult.Epoch b = bundled.epochs().get(e);
      assertThat(b.steps()).isEqualTo(p.steps());
      assertThat(b.missedDeadlines()).isZero();
      assertThat(b.trainLoss()).isCloseTo(p.trainLoss(), within(1e-4));
      assertThat(b.trainAccuracy()).isCloseTo(p.trainAccuracy(), within(1e-9));
      assertThat(b.testAccuracy()).isCloseTo(p.testAccuracy(), within(2.0 / split.test().size()));
    }
    assertThat(bundled.bytesPerClient()).hasSize(30);
  }
}
