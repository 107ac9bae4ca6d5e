package org.mpsl4j.engine.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.model.ModelConfig;

/**
 * Under the shared tokenizer the clients hold the server's tokenizer, and their test shares hold every test sample
 * once: a personalized evaluation scores the global model on the global test set again. The simulation then skips
 * it (no evaluation traffic) and reports the global figure; a run that evaluates anyway (its clients adjusted, here
 * by an identity edit) gets the same figure within two test samples, and pays the traffic.
 */
final class PersonalizedIsGlobalTest {
  @Test
  @Timeout(240)
  void sharedTokenizer_skipsTheRepeatedEvaluation_whichWouldGiveTheGlobalFigure() throws Exception {
    DatasetSplit split = SimTestData.mnist(600);
    ModelConfig model = SimTestData.smallModel(split);
    SimulationConfig config = SimTestData.cliDefaults(model, 12, 2, 2);

    SimulationResult skipped = new Simulation(config, split).run(e -> {});
    SimulationResult evaluated = new Simulation(config, split).configureClients(c -> c).run(e -> {});

    assertThat(skipped.evaluationBytesPerClient().values()).as("evaluation bytes per client")
        .allSatisfy(b -> assertThat(b[0] + b[1]).isZero());
    assertThat(evaluated.evaluationBytesPerClient().values()).allSatisfy(b -> assertThat(b[0]).isPositive());
    for (int e = 0; e < 2; e++) {
      SimulationResult.Epoch s = skipped.epochs().get(e);
      SimulationResult.Epoch v = evaluated.epochs().get(e);
      assertThat(s.personalizedAccuracy()).isEqualTo(s.testAccuracy());
      assertThat(v.testAccuracy()).as("the same run").isEqualTo(s.testAccuracy());
      assertThat(v.personalizedAccuracy()).as("epoch %d: evaluated on the clients", e + 1)
          .isCloseTo(v.testAccuracy(), within(2.0 / split.test().size()));
    }
  }

  /** A lossy uplink codec carries the clients' test activations too, so their figure may differ: evaluated. */
  @Test
  @Timeout(240)
  void lossyUplinkCodec_isEvaluatedOnTheClients() throws Exception {
    DatasetSplit split = SimTestData.mnist(600);
    SimulationConfig config = SimTestData.cliDefaults(SimTestData.smallModel(split), 6, 1, 2)
        .withCodecs(org.mpsl4j.protocol.CodecSpec.parse("fp16"), org.mpsl4j.protocol.CodecSpec.RAW);
    SimulationResult r = new Simulation(config, split).run(e -> {});
    assertThat(r.evaluationBytesPerClient().values()).allSatisfy(b -> assertThat(b[0]).isPositive());
  }

  /** With the paper's per-client tokenizers the personalized models differ from the global one: evaluated. */
  @Test
  @Timeout(240)
  void perClientTokenizers_areEvaluatedOnTheClients() throws Exception {
    DatasetSplit split = SimTestData.mnist(600);
    SimulationConfig config = new SimulationConfig(SimTestData.smallModel(split), 6, 4, 1, 3e-3f, 5, 0.5, 10, 2024,
        Duration.ofSeconds(60), 2);
    SimulationResult r = new Simulation(config, split).run(e -> {});
    assertThat(r.evaluationBytesPerClient().values()).allSatisfy(b -> assertThat(b[0]).isPositive());
  }
}
