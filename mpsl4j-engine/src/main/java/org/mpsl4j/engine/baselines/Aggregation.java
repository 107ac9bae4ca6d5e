package org.mpsl4j.engine.baselines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mpsl4j.model.Autograd;

/**
 * The numerics of federated averaging, apart from any transport or model: θ = Σ nᵢ·θᵢ / Σ nᵢ.
 * FedAvg, FedCLIP and both SplitFed variants average with it.
 */
public final class Aggregation {
  private Aggregation() {}

  /** One client's contribution: its named tensors and the number of samples it trained on. */
  public record Update(long samples, Map<String, NDArray> parameters) {
    public Update {
      if (samples < 1) {
        throw new IllegalArgumentException("an update must count >= 1 sample but has " + samples);
      }
    }
  }

  /** The weight of each update, nᵢ / Σ nⱼ, in order. */
  public static double[] weights(List<Update> updates) {
    long total = 0;
    for (Update u : updates) {
      total += u.samples();
    }
    double[] w = new double[updates.size()];
    for (int i = 0; i < w.length; i++) {
      w[i] = (double) updates.get(i).samples() / total;
    }
    return w;
  }

  /**
   * The sample-weighted average of every tensor, as new arrays owned by {@code scope}.
   *
   * @throws IllegalArgumentException if there are no updates or they disagree on names or shapes
   */
  public static Map<String, NDArray> weightedAverage(List<Update> updates, NDManager scope) {
    if (updates.isEmpty()) {
      throw new IllegalArgumentException("nothing to average: no client update arrived");
    }
    Map<String, NDArray> first = updates.get(0).parameters();
    for (Update u : updates) {
      if (!u.parameters().keySet().equals(first.keySet())) {
        throw new IllegalArgumentException("updates disagree on parameter names: " + u.parameters().keySet()
            + " vs " + first.keySet());
      }
    }
    double[] w = weights(updates);
    Map<String, NDArray> out = new LinkedHashMap<>();
    try (Autograd.NoGrad ignored = Autograd.noGrad()) {
      for (String name : first.keySet()) {
        NDArray sum = scope.zeros(first.get(name).getShape());
        for (int i = 0; i < w.length; i++) {
          NDArray x = updates.get(i).parameters().get(name);
          if (!x.getShape().equals(sum.getShape())) {
            throw new IllegalArgumentException("parameter '" + name + "' has shape " + x.getShape() + " in update " + i
                + " but " + sum.getShape() + " in update 0");
          }
          NDArray term = x.mul((float) w[i]); // joins x's manager: move it to the scope at once
          term.attach(scope);
          sum.addi(term);
        }
        out.put(name, sum);
      }
    }
    return out;
  }
}
