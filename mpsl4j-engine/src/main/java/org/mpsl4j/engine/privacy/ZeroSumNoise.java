package org.mpsl4j.engine.privacy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Gaussian noise on a client's returned gradient rows that sums to zero over the batch: each row is hidden by noise of
 * standard deviation σ × the batch's RMS entry, but the batch's sum of rows arrives exact. The server's weight gradient
 * is Σᵢ Jᵢᵀ(gᵢ + nᵢ) over the batch; with Σᵢ nᵢ = 0 the part of the Jacobians the samples share (J̄ᵀ Σᵢ nᵢ) cancels, and
 * only Σᵢ (Jᵢ − J̄)ᵀ nᵢ is left, where independent noise would add J̄ᵀ Σᵢ nᵢ as well. The same idea as pairwise masks in
 * secure aggregation, applied to the rows of one batch.
 *
 * <p>What it gives away by construction: the exact sum of the batch's rows, i.e. a batch-level label signal (under
 * non-IID data, the batch's majority class); the audit's batch-sum attack measures it. A batch of one row would be
 * sent exact, so it is sent as zeros instead (that sample gives the server's encoder nothing that step).
 */
final class ZeroSumNoise {
  private ZeroSumNoise() {}

  /**
   * Noise (b, k) for the rows {@code g} (b, k): independent N(0, s²) entries, s = σ × the RMS entry of {@code g}, with
   * their column means over the batch removed and rescaled by √(b / (b − 1)) so that every entry keeps the variance s².
   * For b = 1, −g (the row is sent as zeros).
   */
  static NDArray draw(NDArray g, double sigma, SeededGaussian gaussian, NDManager scope) {
    long b = g.getShape().get(0);
    if (b == 1) {
      return g.neg();
    }
    float rms = g.square().mean().sqrt().getFloat();
    NDArray n = gaussian.draw(g.getShape(), (float) sigma * rms, scope);
    return n.sub(n.mean(new int[] {0}, true)).mul((float) Math.sqrt((double) b / (b - 1)));
  }
}
