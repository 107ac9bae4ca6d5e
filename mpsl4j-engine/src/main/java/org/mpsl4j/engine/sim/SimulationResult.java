package org.mpsl4j.engine.sim;

import java.util.List;
import java.util.Map;

/**
 * Everything a run measured; serializable to JSON as is.
 *
 * @param epochs per-epoch figures
 * @param bytesPerClient client id → {bytes up, bytes down} of training over the whole run, from
 *     serialized messages (steps, tokenizer averaging, control)
 * @param evaluationBytesPerClient client id → {bytes up, bytes down} of the personalized evaluation
 * @param clientForwardMacs client part, forward MACs per sample
 * @param clientTrainingMacs client part, forward + backward MACs per sample
 * @param wholeForwardMacs whole model, forward MACs per sample
 * @param serverParameters number of server model parameters (one model whatever the client count)
 * @param wallSeconds total wall time including evaluation
 * @param clientParameters client parameter name → where it lives in this process: "per client" (each
 *     client its own copy) or "shared base, trained rows per client" (one initial table read by every
 *     client, each storing only the rows it trained); empty where no client ran in this process
 */
public record SimulationResult(List<Epoch> epochs, Map<String, long[]> bytesPerClient,
    Map<String, long[]> evaluationBytesPerClient, long clientForwardMacs,
    long clientTrainingMacs, long wholeForwardMacs, long serverParameters, double wallSeconds,
    Map<String, String> clientParameters) {

  /**
   * @param epoch 1-based
   * @param steps steps run
   * @param trainLoss sample-weighted mean of client losses
   * @param trainAccuracy from counts the clients reported
   * @param testAccuracy global model (server + FedAvg'd tokenizers) on the test split
   * @param personalizedAccuracy each client's own tokenizers + the server model on its local test
   *     share (shares follow each client's class mix), pooled over clients
   * @param seconds training wall time of the epoch
   * @param stepsPerSecond steps / seconds
   * @param missedDeadlines client-steps dropped
   * @param recall retrieval: Recall@K of the global model on the test split ({@code testAccuracy} is its mean
   *     R@1; train and personalized "accuracy" count in-batch and in-share top-1 matches); null for classification
   */
  public record Epoch(int epoch, int steps, double trainLoss, double trainAccuracy, double testAccuracy,
      double personalizedAccuracy, double seconds,
      double stepsPerSecond, int missedDeadlines, org.mpsl4j.model.retrieval.RecallAtK recall) {

    /** A classification epoch (no Recall@K). */
    public Epoch(int epoch, int steps, double trainLoss, double trainAccuracy, double testAccuracy,
        double personalizedAccuracy, double seconds, double stepsPerSecond, int missedDeadlines) {
      this(epoch, steps, trainLoss, trainAccuracy, testAccuracy, personalizedAccuracy, seconds, stepsPerSecond,
          missedDeadlines, null);
    }
  }

  /** Training bytes up per client per epoch, mean over clients. */
  public double meanBytesUpPerClientPerEpoch() {
    return perClientPerEpoch(bytesPerClient, 0);
  }

  /** Training bytes down per client per epoch, mean over clients. */
  public double meanBytesDownPerClientPerEpoch() {
    return perClientPerEpoch(bytesPerClient, 1);
  }

  /** Evaluation bytes up + down per client per epoch, mean over clients. */
  public double meanEvaluationBytesPerClientPerEpoch() {
    return perClientPerEpoch(evaluationBytesPerClient, 0) + perClientPerEpoch(evaluationBytesPerClient, 1);
  }

  private double perClientPerEpoch(Map<String, long[]> bytes, int direction) {
    return bytes.values().stream().mapToLong(b -> b[direction]).average().orElse(0) / Math.max(1, epochs.size());
  }
}
