package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelConfig;

/**
 * The server's side of a step with a {@link ServerSideLoss}: the output gradient comes from the loss over
 * the concatenated outputs instead of from the clients, in the {@link StepPhases.Gradients} shape the rest
 * of the step (backward, epoch figures) reads.
 */
final class ServerLossStep {
  private ServerLossStep() {}

  /** Refuses a server-side loss for a model whose loss needs the clients' labels. */
  static void checkAllowed(ModelConfig model) {
    if (model.head().kind() != HeadConfig.Kind.PROJECTION) {
      throw new IllegalArgumentException("a server-side loss needs --task retrieval (its pairing is no secret); a "
          + "classification loss needs the labels, which stay on the clients: use --contrastive-loss client");
    }
  }

  /** The output gradient of the whole step from {@code loss}; every contributor's rows count, none is missed. */
  static StepPhases.Gradients gradients(ServerSideLoss loss, StepPhases.Gathered up, NDArray outputs, NDManager scope) {
    ServerSideLoss.Result r = loss.lossGradient(outputs, scope);
    if (!r.gradient().getShape().equals(outputs.getShape())) {
      throw new IllegalStateException("server-side loss gave a gradient of shape " + r.gradient().getShape()
          + " for outputs of shape " + outputs.getShape());
    }
    int b = up.totalBatch();
    return new StepPhases.Gradients(r.gradient(), b, r.loss() * b, r.correct(), 0);
  }
}
