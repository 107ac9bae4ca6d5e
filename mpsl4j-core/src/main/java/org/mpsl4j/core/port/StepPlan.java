package org.mpsl4j.core.port;

/**
 * What the server tells every participant when a step begins: which step, where it lies in the
 * schedule (a client derives its mini-batch from epoch and step in epoch) and the learning rates.
 *
 * @param step the global step number (1, 2, …); every message of the step carries it
 * @param learningRate the server optimizer's rate for this step
 * @param clientLearningRate the rate the clients' optimizers use (the server's unless a tokenizer policy
 *     scales it; docs/GLOBAL_MODEL.md)
 */
public record StepPlan(long step, int epoch, int stepInEpoch, float learningRate, float clientLearningRate) {
  /** A plan where the clients train at the server's rate, as in the paper. */
  public StepPlan(long step, int epoch, int stepInEpoch, float learningRate) {
    this(step, epoch, stepInEpoch, learningRate, learningRate);
  }
}
