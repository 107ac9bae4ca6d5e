package org.mpsl4j.engine.privacy;

import ai.djl.ndarray.NDArray;

/**
 * Rescales every row of a batch's gradient to one common norm, the batch's mean row norm, so that the norm of a
 * returned row says nothing about its sample (the norm attack of Li et al. 2022 reads rarer or harder classes off
 * larger norms). The direction of each row is kept, and so is the batch's total gradient scale; only how the batch's
 * gradient mass is spread over its samples changes. The common norm reveals one number per batch.
 */
public final class NormEqualization {
  private static final float TINY = 1e-12f;

  private NormEqualization() {}

  /** {@code g} (b, k) with each row rescaled to the mean row norm; a zero row stays zero. */
  public static NDArray apply(NDArray g) {
    NDArray norms = g.square().sum(new int[] {1}, true).sqrt(); // (b, 1)
    NDArray common = norms.mean();
    return g.mul(common.div(norms.maximum(TINY)));
  }
}
