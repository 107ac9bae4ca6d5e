package org.mpsl4j.core.step;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.retrieval.InfoNce;

/**
 * A loss the server computes itself over the whole concatenated batch of a step, in place of the
 * outputs ↓ → output gradients ↑ exchange: the server takes ∂L/∂outputs from it and goes on with its
 * backward pass and the cut gradients as usual ({@link org.mpsl4j.core.port.SplitStepRunner}). Clients
 * then get no outputs and send no output gradient; their cut gradient follows their activations.
 *
 * <p>Only a loss that needs no client secret may run here. The contrastive retrieval loss is one: its
 * "labels" are the pairing of each sample's two embeddings, which the server already knows (both come in
 * one row). Over the concatenated batch of B samples it gives every sample B − 1 negatives, where a client's
 * own mini-batch gives bᵢ − 1.
 */
public interface ServerSideLoss {

  /**
   * The loss of {@code outputs} (B, …), the step's whole concatenated model output: its gradient w.r.t.
   * {@code outputs}, its value and which rows it scores right. Arrays are owned by {@code scope}.
   */
  Result lossGradient(NDArray outputs, NDManager scope);

  /**
   * @param gradient ∂L/∂outputs, the shape of the outputs
   * @param loss L, the mean over the batch
   * @param rowCorrect per row, 1 if it is scored right (contrastive: its partner ranks first in the batch), else 0
   */
  record Result(NDArray gradient, double loss, long[] rowCorrect) {
    /** Rows scored right among {@code [from, from + rows)}. */
    public int correct(int from, int rows) {
      int n = 0;
      for (int i = from; i < from + rows; i++) {
        n += (int) rowCorrect[i];
      }
      return n;
    }
  }

  /** Refuses a server-side loss for a model whose loss needs the clients' labels. */
  static void checkAllowed(ModelConfig model) {
    if (model.head().kind() != HeadConfig.Kind.PROJECTION) {
      throw new IllegalArgumentException("a server-side loss needs --task retrieval (its pairing is no secret); a "
          + "classification loss needs the labels, which stay on the clients: use --contrastive-loss client");
    }
  }

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
      return new Result(g, loss, InfoNce.matchedRows(z));
    };
  }
}
