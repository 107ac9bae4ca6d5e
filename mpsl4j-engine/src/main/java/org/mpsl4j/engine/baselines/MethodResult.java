package org.mpsl4j.engine.baselines;

import java.util.List;

/**
 * What one method measured, in one shape for every method; serializable to JSON as is.
 *
 * @param method the method
 * @param epochs per-epoch figures
 * @param clientForwardMacs forward MACs per sample of what a client runs (0 for centralized: no clients)
 * @param clientTrainingMacs forward + backward MACs per sample of what a client runs
 * @param serverStateBytes bytes of the parameter and optimizer-state tensors the server keeps between
 *     rounds (SplitFed v1: one model copy per client; FedAvg: the global model only). Transient buffers
 *     (received activations or uploads) are not included.
 * @param wallSeconds total wall time of the run, training, evaluation and set-up included
 * @param label the name in tables and plots: the method's, or a variant's (e.g. {@code MPSL int8/int8})
 * @param failure why the method did not train (e.g. a round in which no client's reply arrived before the
 *     deadline), or null for a trained result; a failed result's accuracies are NaN, never its untrained model's
 */
public record MethodResult(Method method, List<Epoch> epochs, long clientForwardMacs, long clientTrainingMacs,
    long serverStateBytes, double wallSeconds, String label, String failure) {

  public MethodResult {
    epochs = List.copyOf(epochs);
    java.util.Objects.requireNonNull(label, "label");
  }

  /** A trained result with its label. */
  public MethodResult(Method method, List<Epoch> epochs, long clientForwardMacs, long clientTrainingMacs,
      long serverStateBytes, double wallSeconds, String label) {
    this(method, epochs, clientForwardMacs, clientTrainingMacs, serverStateBytes, wallSeconds, label, null);
  }

  /** The same result marked as not trained, with the reason. */
  public MethodResult failed(String reason) {
    return new MethodResult(method, epochs, clientForwardMacs, clientTrainingMacs, serverStateBytes, wallSeconds, label,
        java.util.Objects.requireNonNull(reason, "reason"));
  }

  /** False when the method stopped without training ({@link #failure()} says why). */
  public boolean trained() {
    return failure == null;
  }

  /** Client replies that missed their deadline or were refused, over all epochs. */
  public int missedReplies() {
    return epochs.stream().mapToInt(Epoch::missedReplies).sum();
  }

  /** A result named after its method. */
  public MethodResult(Method method, List<Epoch> epochs, long clientForwardMacs, long clientTrainingMacs,
      long serverStateBytes, double wallSeconds) {
    this(method, epochs, clientForwardMacs, clientTrainingMacs, serverStateBytes, wallSeconds, method.label());
  }

  /**
   * @param epoch 1-based epoch (= round)
   * @param trainLoss sample-weighted mean training loss the clients reported
   * @param testAccuracy accuracy of the global model on the test split, in [0, 1]
   * @param bytesUpPerClient mean over clients of bytes sent client → server in this epoch
   * @param bytesDownPerClient mean over clients of bytes sent server → client in this epoch
   * @param seconds training wall time of the epoch (evaluation excluded)
   * @param recall retrieval: Recall@K of the global model on the test split ({@code testAccuracy} is its mean
   *     R@1); null for classification
   * @param missedReplies client replies that missed their deadline or were refused in this epoch (federated: one
   *     model update per client and round; split baselines: each step's replies, both phases, and the round's
   *     client-part upload; MPSL: client-steps dropped; 0 without clients)
   */
  public record Epoch(int epoch, double trainLoss, double testAccuracy, double bytesUpPerClient,
      double bytesDownPerClient, double seconds, org.mpsl4j.model.retrieval.RecallAtK recall, int missedReplies) {

    /** An epoch without clients to miss (centralized), or whose run had none missed. */
    public Epoch(int epoch, double trainLoss, double testAccuracy, double bytesUpPerClient, double bytesDownPerClient,
        double seconds, org.mpsl4j.model.retrieval.RecallAtK recall) {
      this(epoch, trainLoss, testAccuracy, bytesUpPerClient, bytesDownPerClient, seconds, recall, 0);
    }

    /** A classification epoch (no Recall@K) and nothing missed. */
    public Epoch(int epoch, double trainLoss, double testAccuracy, double bytesUpPerClient, double bytesDownPerClient,
        double seconds) {
      this(epoch, trainLoss, testAccuracy, bytesUpPerClient, bytesDownPerClient, seconds, null);
    }
  }

  /** Recall@K of the last epoch's model (retrieval), or null (also when the method did not train). */
  public org.mpsl4j.model.retrieval.RecallAtK finalRecall() {
    return epochs.isEmpty() || !trained() ? null : epochs.get(epochs.size() - 1).recall();
  }

  /** The last epoch's test score; NaN when there is none or the method did not train. */
  public double finalAccuracy() {
    return epochs.isEmpty() || !trained() ? Double.NaN : epochs.get(epochs.size() - 1).testAccuracy();
  }

  /** The best epoch's test score; NaN when there is none or the method did not train. */
  public double bestAccuracy() {
    return !trained() ? Double.NaN : epochs.stream().mapToDouble(Epoch::testAccuracy).max().orElse(Double.NaN);
  }

  public double meanBytesUpPerClientPerEpoch() {
    return epochs.stream().mapToDouble(Epoch::bytesUpPerClient).average().orElse(0);
  }

  public double meanBytesDownPerClientPerEpoch() {
    return epochs.stream().mapToDouble(Epoch::bytesDownPerClient).average().orElse(0);
  }
}
