package org.mpsl4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mpsl4j.core.CentralizedReference.maxAbsDiff;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mpsl4j.core.port.SplitStepRunner;
import org.mpsl4j.core.port.Ticker;
import org.mpsl4j.core.step.ClientSplitStep;

/**
 * FedSGD on the tokenizers (docs/GLOBAL_MODEL.md): every client starts from the same tokenizer and
 * takes no step of its own, so the sum of the clients' tokenizer gradients after one MPSL step must be
 * the gradient of the step's mean loss for <b>one</b> tokenizer that all rows went through, which is what
 * centralized training computes. Equal up to float32 round-off of different summation orders, not
 * bit-identical.
 */
final class SharedTokenizerGradientTest {
  /** Measured largest difference 4.5e-8 (image.pos_embed, whose largest gradient entry is 0.23); ten times that. */
  private static final float TOLERANCE = 5e-7f;
  private static final int[][] SHARES = {{0, 1, 2}, {3, 4}, {5, 6, 7}, {8, 9, 10}};

  @Test
  void sumOfClientTokenizerGradients_equalsCentralizedTokenizerGradient() throws Exception {
    try (SplitFixture f = new SplitFixture(SHARES)) {
      f.clients.forEach(c -> c.shareTokenizer(true));
      Map<String, float[]> before = params(f.clients.get(0));
      step(f);
      Map<String, float[]> sum = new HashMap<>();
      try (NDManager scope = f.manager.newSubManager()) {
        for (ClientSplitStep c : f.clients) {
          assertThat(c.optimizer().steps()).as("%s's own optimizer steps", c.clientId()).isZero();
          params(c).forEach((n, v) -> assertThat(v).as("%s's %s after the step", c.clientId(), n)
              .isEqualTo(before.get(n)));
          for (Map.Entry<String, NDArray> e : c.takeGradients(scope).entrySet()) {
            sum.merge(e.getKey(), e.getValue().toFloatArray(), SharedTokenizerGradientTest::add);
          }
        }
      }
      CentralizedReference ref = new CentralizedReference(f, List.of("c0", "c1", "c2", "c3"));
      assertThat(sum.keySet()).containsExactlyInAnyOrderElementsOf(ref.tokenizerGradients.keySet());
      float largest = 0;
      for (Map.Entry<String, float[]> e : ref.tokenizerGradients.entrySet()) {
        assertThat(maxAbsDiff(sum.get(e.getKey()), e.getValue())).as("tokenizer gradient %s", e.getKey())
            .isLessThanOrEqualTo(TOLERANCE);
        largest = Math.max(largest, maxAbs(e.getValue()));
      }
      assertThat(largest).as("the reference gradient is not zero").isGreaterThan(1e-4f);
    }
  }

  @Test
  void takeGradients_handsOverOnce_thenTheClientsOwnAreZero() throws Exception {
    try (SplitFixture f = new SplitFixture(SHARES)) {
      f.clients.forEach(c -> c.shareTokenizer(true));
      step(f);
      ClientSplitStep c0 = f.clients.get(0);
      try (NDManager scope = f.manager.newSubManager()) {
        assertThat(maxAbs(c0.takeGradients(scope).get("image.proj.weight").toFloatArray())).isGreaterThan(0f);
        assertThat(maxAbs(c0.takeGradients(scope).get("image.proj.weight").toFloatArray())).isZero();
      }
    }
  }

  private static void step(SplitFixture f) throws InterruptedException {
    try (NDManager scope = f.manager.newSubManager()) {
      new SplitStepRunner(f.cohort, Ticker.system())
          .step(SplitFixture.firstStep(), f.cohort.participants(), c -> f.server, Duration.ofSeconds(5), scope);
    }
  }

  private static Map<String, float[]> params(ClientSplitStep c) {
    Map<String, float[]> out = new java.util.TreeMap<>();
    c.model().namedParameters().forEach((n, p) -> out.put(n, p.array().toFloatArray()));
    return out;
  }

  private static float[] add(float[] a, float[] b) {
    float[] out = a.clone();
    for (int i = 0; i < b.length; i++) {
      out[i] += b[i];
    }
    return out;
  }

  private static float maxAbs(float[] a) {
    float max = 0;
    for (float x : a) {
      max = Math.max(max, Math.abs(x));
    }
    return max;
  }
}
