package org.mpsl4j.model.macs;

/**
 * Multiply-accumulates per sample for one training step, split at the cut layer.
 *
 * @param clientForward all tokenizers, forward
 * @param clientBackward all tokenizers, backward (weight gradients; raw inputs need none)
 * @param serverForward encoder + head, forward
 * @param serverBackward encoder + head, backward (weight gradients of trained layers, input
 *     gradients wherever something trained lies below)
 */
public record MacReport(long clientForward, long clientBackward, long serverForward, long serverBackward) {
  public long clientTraining() {
    return clientForward + clientBackward;
  }

  public long serverTraining() {
    return serverForward + serverBackward;
  }

  public long wholeForward() {
    return clientForward + serverForward;
  }

  public long wholeTraining() {
    return clientTraining() + serverTraining();
  }

  /** Whole-model forward MACs over client forward MACs: how much lighter the client part is. */
  public double wholeToClientForwardRatio() {
    return clientForward == 0 ? Double.POSITIVE_INFINITY : (double) wholeForward() / clientForward;
  }
}
