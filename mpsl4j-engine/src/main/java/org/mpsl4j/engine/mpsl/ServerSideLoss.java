package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.retrieval.InfoNce;

/**
 * A loss the server computes itself over the whole concatenated batch of a step, in place of the
 * Outputs → OutputGrad exchange: the server takes ∂L/∂outputs from it and goes on with its backward pass
 * and the cut gradients as usual. Clients then get no Outputs and send no OutputGrad; the rest of the step
 * is unchanged (their {@code CutGrad} follows their activations).
 *
 * <p>Only a loss that needs no client secret may run here. The contrastive retrieval loss is one: its
 * "labels" are the pairing of each sample's two embeddings, which the server already knows (both come in
 * one row). Over the concatenated batch of B samples it gives every sample B − 1 negatives, where a client's
 * own mini-batch gives bᵢ − 1.
 */
public interface ServerSideLoss {

  /**
   * The loss of {@code outputs} (B, …), the step's whole concatenated model output, detached from the
   * model's graph: its gradient w.r.t. {@code outputs}, its value and how many rows it scores right.
   * Arrays are owned by {@code scope}.
   */
  Result lossGradient(NDArray outputs, NDManager scope);

  /**
   * @param gradient ∂L/∂outputs, the shape of the outputs
   * @param loss L, the mean over the batch
   * @param correct rows scored right (contrastive: in-batch top-1 matches)
   */
  record Result(NDArray gradient, double loss, long correct) {}

  /** Symmetric InfoNCE ({@link InfoNce}) over the whole batch's pairs. */
  static ServerSideLoss contrastive() {
    return (outputs, scope) -> {
      NDArray z = Autograd.leaf(outputs.stopGradient());
      z.attach(scope);
      float loss;
      try (Autograd.Recording r = Autograd.record()) {
        NDArray l = InfoNce.loss(z);
        Autograd.backward(l);
        loss = l.getFloat();
      }
      NDArray g = z.getGradient();
      g.attach(scope);
      return new Result(g, loss, InfoNce.matches(z));
    };
  }
}
