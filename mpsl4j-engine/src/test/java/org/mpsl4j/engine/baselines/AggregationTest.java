package org.mpsl4j.engine.baselines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** FedAvg's numerics alone: weights are sample counts, worked out by hand. */
final class AggregationTest {

  @Test
  void weights_areSampleShares() {
    try (NDManager m = NDManager.newBaseManager()) {
      List<Aggregation.Update> updates = List.of(update(m, 1, 0f, 4f), update(m, 3, 4f, 8f));
      assertThat(Aggregation.weights(updates)).containsExactly(0.25, 0.75);
    }
  }

  @Test
  void weightedAverage_weightsBySamples() {
    try (NDManager m = NDManager.newBaseManager()) {
      // (1·[0, 4] + 3·[4, 8]) / 4 = [3, 7]; an unweighted mean would give [2, 6].
      Map<String, NDArray> avg = Aggregation.weightedAverage(List.of(update(m, 1, 0f, 4f), update(m, 3, 4f, 8f)), m);
      float[] w = avg.get("w").toFloatArray();
      assertThat(w[0]).isCloseTo(3f, within(1e-6f));
      assertThat(w[1]).isCloseTo(7f, within(1e-6f));
    }
  }

  @Test
  void weightedAverage_noUpdates_refused() {
    try (NDManager m = NDManager.newBaseManager()) {
      assertThatThrownBy(() -> Aggregation.weightedAverage(List.of(), m)).hasMessageContaining("no client update");
    }
  }

  @Test
  void weightedAverage_mismatchedNames_refused() {
    try (NDManager m = NDManager.newBaseManager()) {
      Aggregation.Update other = new Aggregation.Update(1, Map.of("v", m.create(new float[] {1f, 2f})));
      assertThatThrownBy(() -> Aggregation.weightedAverage(List.of(update(m, 1, 0f, 4f), other), m))
          .hasMessageContaining("disagree");
    }
  }

  private static Aggregation.Update update(NDManager m, long samples, float a, float b) {
    return new Aggregation.Update(samples, Map.of("w", m.create(new float[] {a, b})));
  }
}
