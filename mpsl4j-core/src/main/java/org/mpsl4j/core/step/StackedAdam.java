package org.mpsl4j.core.step;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.train.Adam;

/**
 * Adam for the stacked parameters of N co-hosted clients ({@link StackedPatchTokenizers}): each client keeps its own
 * moments (its slice of [N, ...] tensors) and its own step count for the bias correction, as its own {@code Adam}
 * would. A client without a gradient in a step keeps its parameters, moments and step count (a masked update). When
 * every client took part at one step count (e.g. 1,000 clients of one sample each) the masked update is the same
 * update with one rate for all, so the whole stack takes libtorch's fused Adam: one native call per parameter in
 * place of about twenty element-wise calls and their temporaries.
 *
 * <p>The moments live in the stack's capped manager; every computation works on views owned by the step's scope
 * ({@link StackedPatchTokenizers#view}), so nothing it computes stays behind.
 */
final class StackedAdam {
  private static final float BETA1 = Adam.BETA1;
  private static final float BETA2 = Adam.BETA2;
  private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
  private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
  private final long[] steps;

  /** Zero moments shaped like each of {@code stacks}, owned by {@code state}; every client at step count 0. */
  StackedAdam(NDManager state, Map<String, NDArray> stacks, int clients) {
    stacks.forEach((name, s) -> {
      expAvg.put(name, state.zeros(s.getShape()));
      expAvgSq.put(name, state.zeros(s.getShape()));
    });
    steps = new long[clients];
  }

  /** Client {@code i}'s optimizer steps so far. */
  long steps(int i) {
    return steps[i];
  }

  /**
   * One update of {@code stacks} (in place) from the gradients of the phase's {@code leaves}, for the clients that
   * are {@code counted}.
   */
  void step(Map<String, NDArray> stacks, Map<String, NDArray> leaves, boolean[] counted, float learningRate,
      NDManager scope) {
    int clients = steps.length;
    float[] rate = new float[clients];
    float[] epsilon = new float[clients];
    float[] mask = new float[clients];
    for (int i = 0; i < clients; i++) {
      epsilon[i] = 1f;
      if (counted[i]) {
        steps[i]++;
        float[] corrected = Adam.correctedRates(learningRate, BETA1, BETA2, Adam.EPS, steps[i]);
        rate[i] = corrected[0];
        epsilon[i] = corrected[1];
        mask[i] = 1f;
      }
    }
    boolean uniform = true; // every client counted, at one step count: one rate and ε for the whole stack
    for (int i = 0; i < clients && uniform; i++) {
      uniform = counted[i] && steps[i] == steps[0];
    }
    try (Autograd.NoGrad ignored = Autograd.noGrad()) {
      for (String name : stacks.keySet()) {
        NDArray g = leaves.get(name).getGradient();
        g.attach(scope);
        if (uniform) {
          NDArray s = stacks.get(name);
          s.getNDArrayInternal().adamUpdate(new NDList(s, g, expAvg.get(name), expAvgSq.get(name)), new NDList(s),
              learningRate, rate[0], 0f, 1f, -1f, BETA1, BETA2, epsilon[0], false, false);
          continue;
        }
        NDArray s = StackedPatchTokenizers.view(stacks.get(name), scope);
        Shape perClient = perClient(s.getShape());
        NDArray k = scope.create(mask).reshape(perClient);
        NDArray m = StackedPatchTokenizers.view(expAvg.get(name), scope);
        NDArray v = StackedPatchTokenizers.view(expAvgSq.get(name), scope);
        m.addi(g.sub(m).mul(k.mul(1 - BETA1)));
        v.addi(g.square().sub(v).mul(k.mul(1 - BETA2)));
        NDArray denom = v.sqrt().add(scope.create(epsilon).reshape(perClient));
        s.subi(m.div(denom).mul(scope.create(rate).reshape(perClient)));
      }
    }
  }

  /** Client {@code i}'s moment {@code exp_avg} or {@code exp_avg_sq} of parameter {@code name}, as a copy in scope. */
  NDArray moment(String which, String name, int i, NDManager scope) {
    Map<String, NDArray> m = switch (which) {
      case "exp_avg" -> expAvg;
      case "exp_avg_sq" -> expAvgSq;
      default -> throw new IllegalArgumentException("unknown Adam state '" + which + "' (exp_avg, exp_avg_sq)");
    };
    return m.get(name).get(scope, new NDIndex(i)).duplicate();
  }

  /** (N, 1, 1, ...) of {@code stacked}'s rank: a per-client factor that broadcasts over a slice. */
  private static Shape perClient(Shape stacked) {
    long[] s = new long[stacked.dimension()];
    java.util.Arrays.fill(s, 1);
    s[0] = stacked.get(0);
    return new Shape(s);
  }
}
