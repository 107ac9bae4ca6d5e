package org.mpsl4j.core.step;

import java.util.List;
import org.mpsl4j.core.cut.CutGradient;

/**
 * What the server's backward half of a step did.
 *
 * @param status whether the model was updated
 * @param cutGradients one per client whose output gradient counted, in row order; empty unless UPDATED
 * @param counted the clients whose output gradient counted
 * @param samples Σ bᵢ over {@code counted}
 * @param lossTimesBatch Σ Lᵢ·bᵢ over {@code counted} (for the sample-weighted mean loss)
 * @param correct Σ correct over {@code counted}
 */
public record StepOutcome(Status status, List<CutGradient> cutGradients, List<String> counted, long samples,
    double lossTimesBatch, long correct) {
  public enum Status {
    /** One backward pass and one optimizer step; the counted clients get their cut gradients. */
    UPDATED,
    /** No output gradient arrived: no backward, no optimizer step, no cut gradient. */
    NO_GRADIENTS,
    /** The gradients were not finite: the update was skipped (the model is unchanged) and nobody steps. */
    NON_FINITE
  }

  public StepOutcome {
    cutGradients = List.copyOf(cutGradients);
    counted = List.copyOf(counted);
  }

  static StepOutcome none() {
    return new StepOutcome(Status.NO_GRADIENTS, List.of(), List.of(), 0, 0, 0);
  }
}
