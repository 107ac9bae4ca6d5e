package org.mpsl4j.core.step;

import ai.djl.ndarray.NDArray;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.train.Objective;

/**
 * Where a client turns its output slice into a loss with its own labels: the client side of the
 * "outputs → loss → output gradient" seam. The default is the mean cross-entropy of logits; a
 * client-side head (U-shaped split learning) or noise on the gradient plugs in here.
 */
@FunctionalInterface
public interface OutputLoss {
  /**
   * @param outputs the client's rows of the server's output (a leaf: no graph behind it)
   * @param labels the client's labels of the same rows
   * @return the mean loss Lᵢ over the rows, ∂Lᵢ/∂outputs (unweighted) and the correct count
   */
  Result apply(NDArray outputs, NDArray labels);

  /** Loss, its gradient with respect to the outputs (same shape), and how many rows were predicted right. */
  record Result(float loss, NDArray gradient, int correct) {}

  /** Mean cross-entropy of logits against class labels. */
  static OutputLoss crossEntropy() {
    return of(Objective.CLASSIFICATION);
  }

  /**
   * The loss the model's head is trained with ({@link Objective}): cross-entropy for classification, the
   * contrastive loss over this client's own mini-batch for retrieval.
   */
  static OutputLoss of(Objective objective) {
    return throughHead(null, objective);
  }

  /**
   * As {@link #of(Objective)}, after {@code client}'s own head where it runs one (U-shaped split learning:
   * the server sends the pooled representation, the head's gradients stay on the client and are applied
   * with its tokenizers' step, and the gradient that leaves is the one w.r.t. the representation).
   */
  static OutputLoss throughHead(org.mpsl4j.model.ClientModel client, Objective objective) {
    return (outputs, labels) -> {
      // A copy: the slice may be a view of an array the server still needs (in-memory port).
      NDArray z = Autograd.leaf(outputs.duplicate());
      float loss;
      NDArray predictions;
      try (Autograd.Recording r = Autograd.record()) {
        predictions = client == null ? z : client.outputs(z);
        NDArray l = objective.loss(predictions, labels);
        Autograd.backward(l);
        loss = l.getFloat();
      }
      return new Result(loss, z.getGradient(), objective.correct(predictions, labels));
    };
  }
}
