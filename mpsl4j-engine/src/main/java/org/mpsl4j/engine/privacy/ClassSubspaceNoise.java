package org.mpsl4j.engine.privacy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Gaussian noise confined to the subspace where a client's gradient rows differ by class, in the spirit of Marvell
 * (Li et al., "Label Leakage and Protection in Two-party Split Learning", 2022). Marvell solves, for two classes, for
 * the noise covariances that minimize an upper bound on the leak AUC under a power budget; its optimum puts the noise
 * along the difference of the class-conditional means. This class is the simpler multi-class variant, not Marvell's
 * optimization: zero-mean noise with covariance proportional to the between-class scatter Σ_b = Σ_c π_c (μ_c − μ)(μ_c −
 * μ)ᵀ of the client's own gradient rows (μ_c the running class means, π_c the class shares), scaled so that its
 * expected squared norm per row is {@code power} times the batch's mean squared row norm. The noise is the same
 * distribution for every row, whatever its label, and has mean zero, so the summed gradient stays unbiased; it is
 * spent where a direction or clustering attack looks. Until the client has seen two classes it falls back to isotropic
 * noise of the same power.
 *
 * <p>The class means are a running average (decay {@value #DECAY} per step) over this client's batches, kept as a small
 * (classes × k) array on the heap. One instance per client; not thread-safe.
 */
public final class ClassSubspaceNoise {
  static final double DECAY = 0.9;

  private final double power;
  private final int classes;
  private final SeededGaussian gaussian;
  private double[][] means; // (classes, k); null until the first batch
  private double[] weights; // running share of each class

  /**
   * @param power expected squared noise norm per row, in units of the batch's mean squared row norm (> 0)
   * @param classes number of classes the labels take
   * @param gaussian the client's noise generator
   */
  ClassSubspaceNoise(double power, int classes, SeededGaussian gaussian) {
    if (!(power > 0)) {
      throw new IllegalArgumentException("class-subspace noise power must be > 0 but was " + power
          + " (use --class-noise)");
    }
    this.power = power;
    this.classes = classes;
    this.gaussian = gaussian;
  }

  /**
   * Noise (b, k) for the gradient rows {@code g} (b, k), drawn after updating the class means with this batch
   * ({@code labels}, (b)).
   */
  public NDArray draw(NDArray g, NDArray labels, NDManager scope) {
    int k = (int) g.getShape().get(1);
    update(g, labels, k);
    double meanSquaredNorm = g.square().sum().getFloat() / Math.max(1, g.getShape().get(0));
    float[] basis = basis(k); // (classes, k) rows √π_c (μ_c − μ)
    double frobenius = 0;
    for (float v : basis) {
      frobenius += (double) v * v;
    }
    long b = g.getShape().get(0);
    if (frobenius < 1e-30) { // fewer than two classes seen: isotropic noise of the same power
      float std = (float) Math.sqrt(power * meanSquaredNorm / k);
      return gaussian.draw(g.getShape(), std, scope);
    }
    float scale = (float) Math.sqrt(power * meanSquaredNorm / frobenius);
    NDArray m = scope.create(basis, new Shape(classes, k));
    return gaussian.draw(new Shape(b, classes), scale, scope).matMul(m);
  }

  /** The running class means and shares, updated with one batch by array ops (one small copy to the heap). */
  private void update(NDArray g, NDArray labels, int k) {
    // (b, C); DJL's PyTorch engine has no oneHot
    NDArray onehot = labels.toType(DataType.INT64, false).expandDims(1)
        .eq(labels.getManager().arange(0L, (long) classes, 1L, DataType.INT64).expandDims(0)).toType(DataType.FLOAT32, false);
    float[] sums = onehot.transpose().matMul(g).toFloatArray(); // (C, k)
    float[] counts = onehot.sum(new int[] {0}).toFloatArray();
    if (means == null) {
      means = new double[classes][k];
      weights = new double[classes];
    }
    for (int c = 0; c < classes; c++) {
      weights[c] = DECAY * weights[c] + (1 - DECAY) * counts[c];
      if (counts[c] > 0) {
        boolean first = isZero(means[c]);
        for (int j = 0; j < k; j++) {
          double batchMean = sums[c * k + j] / counts[c];
          means[c][j] = first ? batchMean : DECAY * means[c][j] + (1 - DECAY) * batchMean;
        }
      }
    }
  }

  private float[] basis(int k) {
    double total = 0;
    for (double w : weights) {
      total += w;
    }
    double[] overall = new double[k];
    for (int c = 0; c < classes; c++) {
      for (int j = 0; j < k; j++) {
        overall[j] += weights[c] / total * means[c][j];
      }
    }
    float[] out = new float[classes * k];
    for (int c = 0; c < classes; c++) {
      double share = Math.sqrt(weights[c] / total);
      for (int j = 0; j < k; j++) {
        out[c * k + j] = (float) (share * (means[c][j] - overall[j]));
      }
    }
    return out;
  }

  private static boolean isZero(double[] v) {
    for (double x : v) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }
}
