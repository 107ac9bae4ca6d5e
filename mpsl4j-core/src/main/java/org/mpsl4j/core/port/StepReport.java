package org.mpsl4j.core.port;

import java.util.List;
import java.util.stream.Stream;

/**
 * What one step did, as the server saw it.
 *
 * @param updates server models updated (MPSL: 0 or 1; SplitFed v1: one per counted client)
 * @param samples Σ bᵢ of the clients whose output gradient counted
 * @param lossTimesBatch Σ Lᵢ·bᵢ over them
 * @param correct Σ correct over them
 * @param missedClients clients whose reply missed a deadline or was rejected, in either phase
 * @param skipped updates skipped because the gradients were not finite
 * @param counted clients whose output gradient counted (they got a cut gradient if the update was made)
 */
public record StepReport(int updates, long samples, double lossTimesBatch, long correct, List<String> missedClients,
    int skipped, List<String> counted) {
  public static final StepReport NONE = new StepReport(0, 0, 0, 0, List.of(), 0, List.of());

  public StepReport {
    missedClients = List.copyOf(missedClients);
    counted = List.copyOf(counted);
  }

  /** Client replies that missed a deadline or were rejected, both phases. */
  public int missed() {
    return missedClients.size();
  }

  public StepReport plus(StepReport o) {
    return new StepReport(updates + o.updates, samples + o.samples, lossTimesBatch + o.lossTimesBatch,
        correct + o.correct, Stream.concat(missedClients.stream(), o.missedClients.stream()).toList(),
        skipped + o.skipped, Stream.concat(counted.stream(), o.counted.stream()).toList());
  }
}
