package org.mpsl4j.privacy.attack;

import java.util.Map;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.DecompositionSolver;
import org.apache.commons.math3.linear.QRDecomposition;
import org.apache.commons.math3.linear.RealVector;
import org.apache.commons.math3.linear.SingularValueDecomposition;
import org.mpsl4j.model.TokenizerKind;
import org.mpsl4j.model.TokenizerSpec;

/**
 * Inverts a patch tokenizer (image, audio or sensor) whose weights are known: each patch token is
 * y = γ ⊙ (h − μ)/σ + β with h = W·p + b + pos, so with u = (y − β)/γ the patch p, σ and μ solve the linear system
 * W·p − σ·u − μ·1 = −(b + pos): P + 2 unknowns against d equations, one small least-squares problem per token
 * (QR when d ≥ P + 2, the minimum-norm SVD solution otherwise). With the exact weights and exact activations the
 * solution is the input up to float rounding; with other weights or noisy activations it is what a least-squares
 * attacker gets.
 *
 * <p>Weights are read as plain arrays from a tokenizer's parameters ({@code <input>.proj.weight}, {@code proj.bias},
 * {@code pos_embed}, {@code norm.weight}, {@code norm.bias}).
 */
public final class PatchInversion {
  private final TokenizerSpec spec;
  private final int width;
  private final double[][] w; // (d, P)
  private final double[] bias;
  private final double[][] pos; // (tokens, d)
  private final double[] gamma;
  private final double[] beta;

  /** @param params the tokenizer's parameters by name without the input prefix, as flat float arrays */
  public PatchInversion(TokenizerSpec spec, int width, Map<String, float[]> params) {
    if (spec.kind() == TokenizerKind.TEXT) {
      throw new IllegalArgumentException("input '" + spec.input() + "' is text: a patch inversion needs a patch tokenizer");
    }
    this.spec = spec;
    this.width = width;
    int p = patchSize();
    float[] wf = require(params, "proj.weight", (long) width * p);
    w = new double[width][p];
    for (int r = 0; r < width; r++) {
      for (int c = 0; c < p; c++) {
        w[r][c] = wf[r * p + c];
      }
    }
    bias = toDouble(require(params, "proj.bias", width));
    float[] pf = require(params, "pos_embed", (long) spec.tokens() * width);
    pos = new double[spec.tokens()][width];
    for (int t = 0; t < spec.tokens(); t++) {
      for (int k = 0; k < width; k++) {
        pos[t][k] = pf[t * width + k];
      }
    }
    gamma = toDouble(require(params, "norm.weight", width));
    beta = toDouble(require(params, "norm.bias", width));
  }

  /** Values per patch: channels × p × p (2-D) or channels × p (1-D). */
  public int patchSize() {
    int p = spec.patchSize();
    return spec.channels() * p * (spec.kind() == TokenizerKind.SENSOR ? 1 : p);
  }

  /**
   * Reconstructs the inputs of a batch from its activations.
   *
   * @param activations (b, tokens, d) row-major
   * @return (b, *inputShape) row-major, in the units the tokenizer was fed (normalized pixels, sensor values)
   */
  public float[] invert(float[] activations, int batch) {
    int[] shape = spec.inputShape();
    int sampleSize = 1;
    for (int s : shape) {
      sampleSize *= s;
    }
    float[] out = new float[batch * sampleSize];
    int tokens = spec.tokens();
    int p = patchSize();
    for (int b = 0; b < batch; b++) {
      for (int t = 1; t < tokens; t++) { // token 0 is CLS: it carries no input
        int offset = (b * tokens + t) * width;
        double[] patch = solve(activations, offset, t, p);
        scatter(patch, t - 1, out, b * sampleSize, shape);
      }
    }
    return out;
  }

  private double[] solve(float[] y, int offset, int token, int p) {
    double[][] a = new double[width][p + 2];
    double[] rhs = new double[width];
    for (int k = 0; k < width; k++) {
      System.arraycopy(w[k], 0, a[k], 0, p);
      double u = (y[offset + k] - beta[k]) / (Math.abs(gamma[k]) < 1e-12 ? 1e-12 : gamma[k]);
      a[k][p] = -u;
      a[k][p + 1] = -1;
      rhs[k] = -(bias[k] + pos[token][k]);
    }
    Array2DRowRealMatrix m = new Array2DRowRealMatrix(a, false);
    DecompositionSolver solver = width >= p + 2 ? new QRDecomposition(m, 1e-12).getSolver()
        : new SingularValueDecomposition(m).getSolver();
    RealVector x;
    try {
      x = solver.solve(new ArrayRealVector(rhs, false));
    } catch (org.apache.commons.math3.linear.SingularMatrixException e) {
      x = new SingularValueDecomposition(m).getSolver().solve(new ArrayRealVector(rhs, false));
    }
    return java.util.Arrays.copyOf(x.toArray(), p);
  }

  /** Writes patch {@code index} (conv output order) into the sample at {@code base}. */
  private void scatter(double[] patch, int index, float[] out, int base, int[] shape) {
    int ps = spec.patchSize();
    int channels = shape[0];
    if (spec.kind() == TokenizerKind.SENSOR) {
      int length = shape[1];
      for (int c = 0; c < channels; c++) {
        for (int j = 0; j < ps; j++) {
          out[base + c * length + index * ps + j] = (float) patch[c * ps + j];
        }
      }
      return;
    }
    int h = shape[1];
    int wd = shape[2];
    int perRow = wd / ps;
    int row0 = (index / perRow) * ps;
    int col0 = (index % perRow) * ps;
    for (int c = 0; c < channels; c++) {
      for (int i = 0; i < ps; i++) {
        for (int j = 0; j < ps; j++) {
          out[base + c * h * wd + (row0 + i) * wd + col0 + j] = (float) patch[(c * ps + i) * ps + j];
        }
      }
    }
  }

  private static float[] require(Map<String, float[]> params, String name, long size) {
    float[] v = params.get(name);
    if (v == null || v.length != size) {
      throw new IllegalArgumentException("tokenizer parameter '" + name + "' must have " + size + " values but "
          + (v == null ? "is missing" : "has " + v.length) + "; present: " + params.keySet());
    }
    return v;
  }

  private static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }
}
