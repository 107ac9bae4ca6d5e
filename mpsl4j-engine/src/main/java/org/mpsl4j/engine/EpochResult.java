package org.mpsl4j.engine;

/**
 * What one epoch produced.
 *
 * @param epoch 1-based
 * @param trainLoss mean training loss over the epoch's samples
 * @param testAccuracy accuracy on the held-out split, in [0, 1]
 * @param samplesPerSecond training throughput over the epoch
 * @param seconds wall time of the epoch's training (evaluation excluded)
 */
public record EpochResult(int epoch, double trainLoss, double testAccuracy, double samplesPerSecond, double seconds) {}
