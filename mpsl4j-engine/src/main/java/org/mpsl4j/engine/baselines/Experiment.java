package org.mpsl4j.engine.baselines;

import java.time.Duration;
import java.util.Objects;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.train.StepLr;

/**
 * What every method of a comparison shares: model, data, client partition, mini-batch, schedule and
 * seed. One round (federated, SplitFed) or one epoch (MPSL, SL, centralized) is one pass of every
 * client over its local data, so {@code epochs} counts the same work for all methods.
 *
 * @param model the model every method builds (FedCLIP adds its adapters to it)
 * @param data train and test splits; the test split evaluates each method's global model
 * @param partition which training samples each client holds
 * @param clientBatch each client's mini-batch (centralized training uses clients × clientBatch)
 * @param epochs epochs, i.e. rounds
 * @param learningRate Adam learning rate everywhere
 * @param stepLrSize StepLR step in epochs (factor 0.1)
 * @param seed seed of the initial model and the sample orders
 * @param deadline how long a server waits for one reply of a client before leaving it out
 * @param threads client worker threads of the in-process transport
 */
public record Experiment(ModelConfig model, DatasetSplit data, Partition partition, int clientBatch, int epochs,
    float learningRate, int stepLrSize, long seed, Duration deadline, int threads) {

  public Experiment {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(partition, "partition");
    Objects.requireNonNull(deadline, "deadline");
    require(partition.numClients() >= 1, "the partition must have >= 1 client but has " + partition.numClients());
    require(clientBatch >= 1, "clientBatch must be >= 1 but was " + clientBatch + " (use --client-batch)");
    require(epochs >= 1, "epochs must be >= 1 but was " + epochs + " (use --epochs)");
    require(learningRate > 0, "learningRate must be > 0 but was " + learningRate + " (use --lr)");
    require(threads >= 1, "threads must be >= 1 but was " + threads + " (use --threads)");
    for (int c = 0; c < partition.numClients(); c++) {
      require(partition.clientSize(c) > 0, "client " + c + " of the partition has no samples");
    }
  }

  /** The same experiment with another learning rate (a per-method rate chosen by a sweep). */
  public Experiment withLearningRate(float rate) {
    return new Experiment(model, data, partition, clientBatch, epochs, rate, stepLrSize, seed, deadline, threads);
  }

  public StepLr schedule() {
    return new StepLr(learningRate, stepLrSize, 0.1f);
  }

  public int clients() {
    return partition.numClients();
  }

  /** Seed of client {@code i}'s sample order; the MPSL simulation uses the same one. */
  public long dataSeed(int client) {
    return seed + 1 + client;
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
