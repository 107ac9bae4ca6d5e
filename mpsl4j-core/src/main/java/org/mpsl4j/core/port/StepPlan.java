package org.mpsl4j.core.port;

/**
 * What the server tells every participant when a step begins: which step, where it lies in the
 * schedule (a client derives its mini-batch from epoch and step in epoch) and the learning rate.
 *
 * @param step the global step number (1, 2, …); every message of the step carries it
 */
public record StepPlan(long step, int epoch, int stepInEpoch, float learningRate) {}
