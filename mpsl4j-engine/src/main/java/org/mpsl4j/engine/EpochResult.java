package org.mpsl4j.engine;

/**
 * What one epoch produced.
 *
 * @param epoch 1-based
 * @param trainLoss mean training loss over the epoch's samples
 * @param testAccuracy accuracy on the held-out split, in [0, 1]
 * @param samplesPerSecond training throughput over the epoch
 * @param seconds wall time of the epoch's training (evaluation excluded)
 * @param recall retrieval: Recall@K on the held-out split ({@code testAccuracy} is its mean R@1); null otherwise
 */
public record EpochResult(int epoch, double trainLoss, double testAccuracy, double samplesPerSecond, double seconds,
    org.mpsl4j.model.retrieval.RecallAtK recall) {

  /** A classification epoch (no Recall@K). */
  public EpochResult(int epoch, double trainLoss, double testAccuracy, double samplesPerSecond, double seconds) {
    this(epoch, trainLoss, testAccuracy, samplesPerSecond, seconds, null);
  }
}
