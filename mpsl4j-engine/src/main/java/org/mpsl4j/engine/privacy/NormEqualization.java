package org.mpsl4j.engine.privacy;

import ai.djl.ndarray.NDArray;

/**
 * Rescales every row of the gradient of a client's mean loss over b samples to the norm 1/b, so that the norm of a
 * returned row says nothing about its sample (the norm attack of Li et al. 2022 reads rarer or harder classes off
 * larger norms): after the step's weight bᵢ/B every row the server receives has the norm 1/B. The direction of each
 * row is kept; each sample counts with the same gradient magnitude (as in normalized-gradient training), and the
 * overall scale is fixed rather than shrinking as the loss falls, which Adam on both sides largely absorbs. A norm
 * fixed per batch (e.g. the batch's mean) would still vary with a client's class mix and progress.
 */
public final class NormEqualization {
  private static final float TINY = 1e-12f;

  private NormEqualization() {}

  /** {@code g} (b, k) with each row rescaled to the norm 1/b; a zero row stays zero. */
  public static NDArray apply(NDArray g) {
    NDArray norms = g.square().sum(new int[] {1}, true).sqrt(); // (b, 1)
    NDArray target = g.getManager().create(1f / g.getShape().get(0));
    return g.mul(target.div(norms.maximum(TINY)));
  }
}
