package org.mpsl4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mpsl4j.model.encoder.MultiHeadAttention;
import org.mpsl4j.model.encoder.TransformerBlock;
import org.mpsl4j.model.head.TaskHead;
import org.mpsl4j.model.nn.Embedding;
import org.mpsl4j.model.nn.LayerNorm;
import org.mpsl4j.model.nn.Linear;
import org.mpsl4j.model.nn.PatchConv;

/**
 * Autograd gradients of each block type against central finite differences of a scalar probe
 * loss L = Σ w ⊙ f(x), with w fixed random weights so that no gradient cancels by symmetry.
 * float32 arithmetic limits the agreement to about 1e-2 relative.
 */
final class FiniteDifferenceTest {
  private static final double EPS = 1e-2;
  private NDManager manager;
  private final Random rng = new Random(7);

  @BeforeEach
  void setUp() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void tearDown() {
    manager.close();
  }

  @Test
  void linear_matchesFiniteDifferences() {
    Linear m = new Linear(manager, 5, 4, Initializer.truncatedNormal(0.5), rng);
    NDArray x = random(2, 3, 5);
    check(m, in -> m.forward(in), x);
  }

  @Test
  void layerNorm_matchesFiniteDifferences() {
    LayerNorm m = new LayerNorm(manager, 6, 1e-5f, rng);
    check(m, m::forward, random(2, 3, 6));
  }

  @Test
  void patchConv2d_matchesFiniteDifferences() {
    PatchConv m = new PatchConv(manager, 2, 4, 2, true, rng);
    check(m, m::forward, random(2, 2, 4, 4));
  }

  @Test
  void patchConv1d_matchesFiniteDifferences() {
    PatchConv m = new PatchConv(manager, 3, 4, 2, false, rng);
    check(m, m::forward, random(2, 3, 6));
  }

  @Test
  void embedding_matchesFiniteDifferences() {
    Embedding m = new Embedding(manager, 7, 4, rng);
    NDArray ids = manager.create(new long[] {0, 3, 3, 6, 1, 2}, new Shape(2, 3));
    check(m, m::forward, ids);
  }

  @Test
  void attentionWithPaddingMask_matchesFiniteDifferences() {
    EncoderConfig c = new EncoderConfig(8, 1, 2, 16, NormPlacement.PRE, 0f, 1e-6f);
    MultiHeadAttention m = new MultiHeadAttention(manager, c, rng);
    NDArray mask = manager.create(new float[] {0, 0, 0, -1e9f, 0, 0, 0, 0}, new Shape(2, 1, 1, 4));
    check(m, in -> m.forward(in, mask, false), random(2, 4, 8));
  }

  @Test
  void preNormBlock_matchesFiniteDifferences() {
    EncoderConfig c = new EncoderConfig(8, 1, 2, 16, NormPlacement.PRE, 0f, 1e-6f);
    TransformerBlock m = new TransformerBlock(manager, c, rng);
    check(m, in -> m.forward(in, null, false), random(2, 3, 8));
  }

  @Test
  void postNormBlock_matchesFiniteDifferences() {
    EncoderConfig c = new EncoderConfig(8, 1, 2, 16, NormPlacement.POST, 0f, 1e-12f);
    TransformerBlock m = new TransformerBlock(manager, c, rng);
    check(m, in -> m.forward(in, null, false), random(2, 3, 8));
  }

  @Test
  void projectionHead_matchesFiniteDifferences() {
    TaskHead m = new TaskHead(manager, HeadConfig.projection(4), 6, 1e-6f, rng);
    check(m, m::forward, random(3, 6));
  }

  /** Compares the autograd gradient of up to 6 elements of every parameter with (L(θ+ε) − L(θ−ε)) / 2ε. */
  private void check(Module module, Function<NDArray, NDArray> f, NDArray input) {
    // Weights of order one: with the tiny default init (std 0.02) a step of EPS would leave the
    // linear regime of normalizing layers and the comparison would test the step, not the gradient.
    for (Parameter p : module.namedParameters().values()) {
      restore(p, random(p.shape().getShape()).mul(0.5).toFloatArray());
    }
    // Fixed probe weights, shaped like the output.
    Shape outShape;
    try (Autograd.NoGrad ignored = Autograd.noGrad(); NDManager step = manager.newSubManager()) {
      input.attach(step);
      outShape = f.apply(input).getShape();
      input.attach(manager);
    }
    NDArray finalProbe = random(outShape.getShape());
    Function<NDArray, NDArray> loss = in -> f.apply(in).mul(finalProbe).sum();

    module.zeroGradients();
    try (NDManager step = manager.newSubManager()) {
      input.attach(step);
      try (Autograd.Recording r = Autograd.record()) {
        NDArray l = loss.apply(input);
        System.gc();
        Autograd.backward(l);
      }
      input.attach(manager);
    }
    for (Map.Entry<String, Parameter> e : module.namedParameters().entrySet()) {
      Parameter p = e.getValue();
      float[] analytic;
      try (NDManager step = manager.newSubManager()) {
        analytic = p.gradient(step).toFloatArray();
      }
      float[] theta = p.array().toFloatArray();
      int n = Math.min(6, theta.length);
      for (int k = 0; k < n; k++) {
        int i = (int) ((long) k * theta.length / n);
        double plus = evaluate(p, theta, i, EPS, loss, input);
        double minus = evaluate(p, theta, i, -EPS, loss, input);
        double numeric = (plus - minus) / (2 * EPS);
        assertThat(analytic[i])
            .as("d L / d %s[%d]", e.getKey(), i)
            .isCloseTo((float) numeric, org.assertj.core.data.Offset.offset((float) (2e-2 * Math.max(1, Math.abs(numeric)))));
      }
      restore(p, theta);
    }
  }

  private double evaluate(Parameter p, float[] theta, int i, double delta, Function<NDArray, NDArray> loss, NDArray input) {
    float[] moved = theta.clone();
    moved[i] += (float) delta;
    restore(p, moved);
    try (Autograd.NoGrad ignored = Autograd.noGrad(); NDManager step = manager.newSubManager()) {
      input.attach(step);
      double v = loss.apply(input).getFloat();
      input.attach(manager);
      return v;
    }
  }

  private void restore(Parameter p, float[] values) {
    try (NDManager step = manager.newSubManager()) {
      p.copyFrom(step.create(values, p.shape()));
    }
  }

  private NDArray random(long... shape) {
    int n = Math.toIntExact(new Shape(shape).size());
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) rng.nextGaussian();
    }
    return manager.create(v, new Shape(shape));
  }
}
