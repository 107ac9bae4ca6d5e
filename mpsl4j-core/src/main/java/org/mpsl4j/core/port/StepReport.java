package org.mpsl4j.core.port;

/**
 * What one step did, as the server saw it.
 *
 * @param updates server models updated (MPSL: 0 or 1; SplitFed v1: one per counted client)
 * @param samples Σ bᵢ of the clients whose output gradient counted
 * @param lossTimesBatch Σ Lᵢ·bᵢ over them
 * @param correct Σ correct over them
 * @param missed client replies that missed a deadline or were rejected, both phases
 * @param skipped updates skipped because the gradients were not finite
 */
public record StepReport(int updates, long samples, double lossTimesBatch, long correct, int missed, int skipped) {
  public static final StepReport NONE = new StepReport(0, 0, 0, 0, 0, 0);

  public StepReport plus(StepReport o) {
    return new StepReport(updates + o.updates, samples + o.samples, lossTimesBatch + o.lossTimesBatch,
        correct + o.correct, missed + o.missed, skipped + o.skipped);
  }
}
