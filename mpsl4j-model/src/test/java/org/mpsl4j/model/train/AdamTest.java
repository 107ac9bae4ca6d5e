package org.mpsl4j.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.model.nn.Linear;

/** Adam against torch.optim.Adam's update rule written out in double precision, and checkpoint restore. */
class AdamTest {
  private static final float LR = 0.01f;

  @Test
  void updatesFollowTorchAdamRuleOverSeveralSteps() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Linear layer = new Linear(manager, 5, 3, new Random(1));
      Map<String, Parameter> params = layer.namedParameters();
      Map<String, double[]> w = new LinkedHashMap<>();
      Map<String, double[]> m = new LinkedHashMap<>();
      Map<String, double[]> v = new LinkedHashMap<>();
      params.forEach((n, p) -> {
        w.put(n, toDouble(p.array().toFloatArray()));
        m.put(n, new double[(int) p.shape().size()]);
        v.put(n, new double[(int) p.shape().size()]);
      });
      Adam adam = new Adam(manager, LR);
      Random data = new Random(7);
      for (int step = 1; step <= 4; step++) {
        try (NDManager scope = manager.newSubManager()) {
          Map<String, double[]> grads = backward(layer, scope, data);
          adam.step(params, scope);
          for (String n : params.keySet()) {
            reference(w.get(n), m.get(n), v.get(n), grads.get(n), step);
          }
        }
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
          float[] actual = e.getValue().array().toFloatArray();
          double[] expected = w.get(e.getKey());
          for (int i = 0; i < actual.length; i++) {
            assertThat((double) actual[i]).as("%s[%d] after step %d", e.getKey(), i, step)
                .isCloseTo(expected[i], Offset.offset(2e-6));
          }
        }
      }
      assertThat(adam.steps()).isEqualTo(4);
    }
  }

  @Test
  void restoredOptimizerContinuesExactlyLikeTheOriginal() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Linear a = new Linear(manager, 4, 2, new Random(3));
      Linear b = new Linear(manager, 4, 2, new Random(3));
      Adam original = new Adam(manager, LR);
      Random dataA = new Random(9);
      for (int step = 0; step < 3; step++) {
        try (NDManager scope = manager.newSubManager()) {
          backward(a, scope, dataA);
          original.step(a.namedParameters(), scope);
        }
      }
      // b takes a's weights and a copy of the optimizer state, as if loaded from a checkpoint.
      a.namedParameters().forEach((n, p) -> b.namedParameters().get(n).copyFrom(p.array()));
      Adam restored = new Adam(manager, LR);
      restored.restore(original.steps(), original.state("exp_avg"), original.state("exp_avg_sq"));
      Random dataB = new Random(1234);
      Random dataA2 = new Random(1234);
      for (int step = 0; step < 2; step++) {
        try (NDManager scope = manager.newSubManager()) {
          backward(a, scope, dataA2);
          original.step(a.namedParameters(), scope);
          backward(b, scope, dataB);
          restored.step(b.namedParameters(), scope);
        }
      }
      a.namedParameters().forEach((n, p) ->
          assertThat(b.namedParameters().get(n).array().toFloatArray()).as(n).containsExactly(p.array().toFloatArray()));
      assertThat(restored.steps()).isEqualTo(5);
    }
  }

  @Test
  void restoreRejectsMismatchedMoments() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Adam adam = new Adam(manager, LR);
      Map<String, NDArray> one = Map.of("weight", manager.zeros(new Shape(2)));
      assertThatThrownBy(() -> adam.restore(1, one, Map.of())).hasMessageContaining("different parameters");
      assertThatThrownBy(() -> adam.restore(-1, one, one)).hasMessageContaining(">= 0");
    }
  }

  /** loss = Σ (x·Wᵀ + b)·c for random x and c: returns each parameter's gradient. */
  private static Map<String, double[]> backward(Linear layer, NDManager scope, Random data) {
    NDArray x = scope.create(randoms(data, 2 * layer.inFeatures()), new Shape(2, layer.inFeatures()));
    NDArray c = scope.create(randoms(data, 2 * layer.outFeatures()), new Shape(2, layer.outFeatures()));
    try (Autograd.Recording r = Autograd.record()) {
      NDArray loss = layer.forward(x).mul(c).sum();
      Autograd.backward(loss);
    }
    Map<String, double[]> grads = new LinkedHashMap<>();
    layer.namedParameters().forEach((n, p) -> grads.put(n, toDouble(p.array().getGradient().toFloatArray())));
    return grads;
  }

  /** torch.optim.Adam (amsgrad=False, weight_decay=0), one step, in double precision. */
  private static void reference(double[] w, double[] m, double[] v, double[] g, int t) {
    double b1 = 0.9;
    double b2 = 0.999;
    double bias1 = 1 - Math.pow(b1, t);
    double bias2 = 1 - Math.pow(b2, t);
    for (int i = 0; i < w.length; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      double denom = Math.sqrt(v[i]) / Math.sqrt(bias2) + 1e-8;
      w[i] -= LR / bias1 * m[i] / denom;
    }
  }

  private static float[] randoms(Random r, int n) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) r.nextGaussian();
    }
    return out;
  }

  private static double[] toDouble(float[] a) {
    double[] out = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i];
    }
    return out;
  }
}
