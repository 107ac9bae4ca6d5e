package org.mpsl4j.privacy.attack;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.QRDecomposition;

/**
 * Labels from representation gradients when the server knows the clients' head, e.g. from an epoch-end upload
 * (a fixed common head is revealed whole by the first one). With the head h(z) = W·LN(z) + b, the gradient the client
 * returns is g ∝ J(z)ᵀ·(softmax − onehot), J the head's Jacobian at the representation z, which the server sent
 * itself. Solving Jᵀ·v = g by least squares (C unknowns against d equations) gives v ∝ softmax − onehot back, whose
 * only negative entry is the label: the exact rule again, one step removed.
 */
public final class HeadInversion {
  private final double[][] w; // (C, d)
  private final double[] gamma; // LayerNorm weight, or null without a norm
  private final double eps;

  /**
   * @param fcWeight the head's linear weight (C × d, row-major)
   * @param normWeight the head's LayerNorm weight (d), or null when the head has no norm
   */
  public HeadInversion(float[] fcWeight, int classes, float[] normWeight, double eps) {
    int d = fcWeight.length / classes;
    w = new double[classes][d];
    for (int c = 0; c < classes; c++) {
      for (int k = 0; k < d; k++) {
        w[c][k] = fcWeight[c * d + k];
      }
    }
    gamma = normWeight == null ? null : toDouble(normWeight);
    this.eps = eps;
  }

  /** The label guessed for each (representation, gradient) pair. */
  public int[] labels(float[][] representations, float[][] gradients) {
    int[] out = new int[representations.length];
    for (int i = 0; i < out.length; i++) {
      double[] v = solve(representations[i], gradients[i]);
      int best = 0;
      for (int c = 1; c < v.length; c++) {
        if (v[c] < v[best]) {
          best = c;
        }
      }
      out[i] = best;
    }
    return out;
  }

  private double[] solve(float[] z, float[] g) {
    int classes = w.length;
    int d = z.length;
    // Jᵀ = Pᵀ·diag(γ)·Wᵀ / σ with P = I − 11ᵀ/d − x̂x̂ᵀ/d (symmetric), x̂ = (z − μ)/σ; without a norm Jᵀ = Wᵀ.
    double[][] jt = new double[d][classes];
    if (gamma == null) {
      for (int k = 0; k < d; k++) {
        for (int c = 0; c < classes; c++) {
          jt[k][c] = w[c][k];
        }
      }
    } else {
      double mean = 0;
      for (float v : z) {
        mean += v;
      }
      mean /= d;
      double var = 0;
      for (float v : z) {
        var += (v - mean) * (v - mean);
      }
      double sigma = Math.sqrt(var / d + eps);
      double[] xhat = new double[d];
      for (int k = 0; k < d; k++) {
        xhat[k] = (z[k] - mean) / sigma;
      }
      for (int c = 0; c < classes; c++) {
        double[] a = new double[d]; // diag(γ)·W[c]
        double sumA = 0;
        double dotA = 0;
        for (int k = 0; k < d; k++) {
          a[k] = gamma[k] * w[c][k];
          sumA += a[k];
          dotA += xhat[k] * a[k];
        }
        for (int k = 0; k < d; k++) {
          jt[k][c] = (a[k] - sumA / d - xhat[k] * dotA / d) / sigma;
        }
      }
    }
    double[] rhs = new double[d];
    for (int k = 0; k < d; k++) {
      rhs[k] = g[k];
    }
    return new QRDecomposition(new Array2DRowRealMatrix(jt, false)).getSolver()
        .solve(new ArrayRealVector(rhs, false)).toArray();
  }

  private static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }
}
