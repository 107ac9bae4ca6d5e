package org.mpsl4j.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.Module;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.model.nn.RowDeltaTable;

/**
 * Adam with PyTorch's semantics ({@code torch.optim.Adam}, no weight decay, no amsgrad): bias-
 * corrected moments and ε added after the square root. One instance per trained model part; state
 * arrays are owned by the {@code manager} given at construction (the moments of row tables are kept by
 * the tables themselves, for the rows they hold).
 *
 * <p>Not thread-safe: one step at a time.
 */
public final class Adam {
  /** The defaults of {@link #Adam(NDManager, float)}, as torch.optim.Adam's. */
  public static final float BETA1 = 0.9f;
  public static final float BETA2 = 0.999f;
  public static final float EPS = 1e-8f;
  private final NDManager manager;
  private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
  private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
  private final float beta1;
  private final float beta2;
  private final float eps;
  private float learningRate;
  private long steps;

  public Adam(NDManager manager, float learningRate) {
    this(manager, learningRate, BETA1, BETA2, EPS);
  }

  public Adam(NDManager manager, float learningRate, float beta1, float beta2, float eps) {
    if (!(learningRate > 0)) {
      throw new IllegalArgumentException("learning rate must be > 0 but was " + learningRate);
    }
    this.manager = manager;
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
  }

  public float learningRate() {
    return learningRate;
  }

  /** Set by a schedule (e.g. {@link StepLr}) between steps. */
  public void setLearningRate(float learningRate) {
    this.learningRate = learningRate;
  }

  public long steps() {
    return steps;
  }

  /**
   * Applies one update to every trainable parameter from its accumulated gradient, then zeroes the
   * gradients. Temporaries live in {@code scope}.
   */
  public void step(Map<String, Parameter> parameters, NDManager scope) {
    step(parameters, Map.of(), scope);
  }

  /**
   * One update of a whole module: its dense parameters as above and its row tables row-sparsely
   * ({@link RowDeltaTable#adamStep}: only the rows the step's batch used), with one step count.
   */
  public void step(Module module, NDManager scope) {
    step(module.namedParameters(), module.namedTables(), scope);
  }

  /**
   * One update of {@code parameters} from gradients computed elsewhere ({@code gradients} by parameter name,
   * e.g. the sum of the clients' tokenizer gradients on the server), whether or not the parameters record
   * gradients themselves. A parameter without an entry is left as it is.
   *
   * @throws IllegalArgumentException if a gradient's shape is not its parameter's
   */
  public void step(Map<String, Parameter> parameters, Map<String, NDArray> gradients) {
    gradients.forEach((name, g) -> {
      Parameter p = parameters.get(name);
      if (p == null || !p.shape().equals(g.getShape())) {
        throw new IllegalArgumentException("gradient '" + name + "' of shape " + g.getShape() + " matches no parameter"
            + (p == null ? "" : " (the parameter has shape " + p.shape() + ")"));
      }
    });
    steps++;
    float[] rates = correctedRates();
    try (Autograd.NoGrad ignored = Autograd.noGrad()) {
      for (Map.Entry<String, NDArray> e : gradients.entrySet()) {
        update(e.getKey(), parameters.get(e.getKey()), e.getValue(), rates);
      }
    }
  }

  /**
   * As {@link #step(Map, Map)}, and in the same step (one step count) the tables of {@code rowGradients} row-sparsely:
   * only the rows a gradient names move, with their moments, as {@link RowDeltaTable#adamStep} does for an owner's
   * rows and PyTorch's {@code SparseAdam} ("lazy" Adam) does; every other row and its moments stay as they are. The
   * moments are dense per table (so checkpoints hold them like any other), read and written at those rows only.
   *
   * @throws IllegalArgumentException if a gradient matches no parameter, or a row gradient no 2-d table's width
   */
  public void step(Map<String, Parameter> parameters, Map<String, NDArray> gradients,
      Map<String, RowGradient> rowGradients) {
    rowGradients.forEach((name, g) -> {
      Parameter p = parameters.get(name);
      if (p == null || p.shape().dimension() != 2 || p.shape().get(1) != g.values().getShape().get(1)) {
        throw new IllegalArgumentException("row gradient '" + name + "' of width " + g.values().getShape().get(1)
            + " matches no table" + (p == null ? "" : " (the parameter has shape " + p.shape() + ")"));
      }
    });
    step(parameters, gradients);
    if (rowGradients.isEmpty()) {
      return;
    }
    float[] rates = correctedRates(); // the step count step(parameters, gradients) just advanced
    try (NDManager scope = manager.newSubManager(); Autograd.NoGrad ignored = Autograd.noGrad()) {
      for (Map.Entry<String, RowGradient> e : rowGradients.entrySet()) {
        Parameter p = parameters.get(e.getKey());
        NDIndex at = new NDIndex("{}", e.getValue().rows());
        NDArray m = expAvg.computeIfAbsent(e.getKey(), k -> manager.zeros(p.shape()));
        NDArray v = expAvgSq.computeIfAbsent(e.getKey(), k -> manager.zeros(p.shape()));
        NDArray w = p.array().get(at);
        NDArray rowM = m.get(at);
        NDArray rowV = v.get(at);
        for (NDArray a : new NDArray[] {w, rowM, rowV}) {
          a.attach(scope);
        }
        w.getNDArrayInternal().adamUpdate(new NDList(w, e.getValue().values(), rowM, rowV), new NDList(w),
            learningRate, rates[0], 0f, 1f, NO_CLIPPING, beta1, beta2, rates[1], false, false);
        p.array().set(at, w);
        m.set(at, rowM);
        v.set(at, rowV);
      }
    }
  }

  private void step(Map<String, Parameter> parameters, Map<String, RowDeltaTable> tables, NDManager scope) {
    steps++;
    float[] rates = correctedRates();
    try (Autograd.NoGrad ignored = Autograd.noGrad()) {
      for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
        Parameter p = e.getValue();
        if (!p.isTrainable()) {
          continue;
        }
        update(e.getKey(), p, p.gradient(scope), rates);
        p.zeroGradient();
      }
    }
    for (RowDeltaTable t : tables.values()) {
      t.adamStep(learningRate, rates[0], beta1, beta2, rates[1]);
    }
  }

  /** {bias-corrected learning rate, bias-corrected ε} for the current step count. */
  private float[] correctedRates() {
    return correctedRates(learningRate, beta1, beta2, eps, steps);
  }

  /**
   * {bias-corrected learning rate, bias-corrected ε} after {@code steps} updates, for libtorch's fused update (also
   * what stacked clients use for each client's own step count).
   */
  public static float[] correctedRates(float learningRate, float beta1, float beta2, float eps, long steps) {
    double bias1 = 1 - Math.pow(beta1, steps);
    double sqrtBias2 = Math.sqrt(1 - Math.pow(beta2, steps));
    // torch.optim.Adam: w -= lr/bias1 · m / (sqrt(v)/sqrt(bias2) + eps). Multiplying numerator and
    // denominator by sqrt(bias2) gives the form libtorch's fused update computes,
    // w -= lr' · m / (sqrt(v) + eps') with lr' = lr·sqrt(bias2)/bias1 and eps' = eps·sqrt(bias2):
    // one native call per parameter instead of about ten JNI calls and their temporary handles.
    return new float[] {(float) (learningRate * sqrtBias2 / bias1), (float) (eps * sqrtBias2)};
  }

  /** The fused libtorch update of one parameter with {@code grad}; the moments are created on first use. */
  private void update(String name, Parameter p, NDArray grad, float[] rates) {
    NDArray weight = p.array();
    NDArray m = expAvg.computeIfAbsent(name, k -> manager.zeros(p.shape()));
    NDArray v = expAvgSq.computeIfAbsent(name, k -> manager.zeros(p.shape()));
    weight.getNDArrayInternal().adamUpdate(new NDList(weight, grad, m, v), new NDList(weight), learningRate,
        rates[0], 0f, 1f, NO_CLIPPING, beta1, beta2, rates[1], false, false);
  }

  /** libtorch's fused update clips gradients at this value only when it is >= 0. */
  private static final float NO_CLIPPING = -1f;

  /** The moment estimates by parameter name, for checkpoints. Live arrays: do not close. */
  public Map<String, NDArray> state(String moment) {
    return switch (moment) {
      case "exp_avg" -> expAvg;
      case "exp_avg_sq" -> expAvgSq;
      default -> throw new IllegalArgumentException("unknown Adam state '" + moment + "' (exp_avg, exp_avg_sq)");
    };
  }

  /**
   * Restores the state of a checkpoint: the step count (for the bias correction) and the moments by
   * parameter name. The arrays are copied into this optimizer's manager; shapes are not checked here
   * because a moment of a parameter that is not trained is simply never used.
   *
   * @throws IllegalArgumentException if {@code steps} is negative or the two moment maps name different parameters
   */
  public void restore(long steps, Map<String, NDArray> expAvgs, Map<String, NDArray> expAvgSqs) {
    if (steps < 0) {
      throw new IllegalArgumentException("Adam step count must be >= 0 but was " + steps);
    }
    if (!expAvgs.keySet().equals(expAvgSqs.keySet())) {
      throw new IllegalArgumentException("Adam checkpoint names different parameters in exp_avg " + expAvgs.keySet()
          + " and exp_avg_sq " + expAvgSqs.keySet());
    }
    expAvg.values().forEach(NDArray::close);
    expAvgSq.values().forEach(NDArray::close);
    expAvg.clear();
    expAvgSq.clear();
    expAvgs.forEach((name, a) -> expAvg.put(name, a.duplicate().toType(ai.djl.ndarray.types.DataType.FLOAT32, false)));
    expAvgSqs.forEach((name, a) -> expAvgSq.put(name, a.duplicate().toType(ai.djl.ndarray.types.DataType.FLOAT32, false)));
    expAvg.values().forEach(a -> a.attach(manager));
    expAvgSq.values().forEach(a -> a.attach(manager));
    this.steps = steps;
  }
}
