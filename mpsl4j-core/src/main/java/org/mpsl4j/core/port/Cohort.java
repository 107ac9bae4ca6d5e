package org.mpsl4j.core.port;

import ai.djl.ndarray.NDManager;
import java.util.List;
import org.mpsl4j.core.cut.CutActivations;
import org.mpsl4j.core.cut.CutGradient;
import org.mpsl4j.core.cut.CutOutputs;
import org.mpsl4j.core.cut.OutputGradient;

/**
 * The transport port: how the server's step reaches its clients, one call per phase of a step. The
 * gRPC implementation encodes records into {@code mpsl.proto} messages, checks what comes back and
 * owns admission, sessions and rejections; {@link InMemoryCohort} calls client steps directly. A
 * client that fails or misses a phase is left out of the rest of the step, never ends it.
 *
 * <p>Called from one training thread. Arrays a call returns live in the {@code scope} it is given.
 */
public interface Cohort {
  /** The clients that can take part in a step now, in a fixed order (by client id). */
  List<String> participants();

  /** Sends the step's begin to {@code clients} and returns the activations that arrived by {@code deadline}. */
  Arrivals<CutActivations> activations(StepPlan plan, List<String> clients, NDManager scope, Deadline deadline)
      throws InterruptedException;

  /** Sends each client its outputs and returns the output gradients that arrived by {@code deadline}. */
  Arrivals<OutputGradient> outputGradients(long step, List<CutOutputs> outputs, NDManager scope, Deadline deadline)
      throws InterruptedException;

  /** Sends each client whose output gradient counted its cut-layer gradient. */
  void cutGradients(long step, List<CutGradient> gradients);

  /** Tells {@code clients} that the server skipped step {@code step}'s update ({@code reason}). */
  void updateSkipped(long step, List<String> clients, String reason);
}
