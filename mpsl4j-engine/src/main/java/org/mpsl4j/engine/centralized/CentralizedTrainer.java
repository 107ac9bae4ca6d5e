package org.mpsl4j.engine.centralized;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.core.data.BatchTensors;
import org.mpsl4j.engine.EpochResult;
import org.mpsl4j.engine.Evaluation;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.ServerModel;
import org.mpsl4j.model.train.Adam;
import org.mpsl4j.model.train.StepLr;

/**
 * Trains the whole model (tokenizers + encoder + head) in one process on the union of the data:
 * the same model parts, loss and optimizer settings as MPSL, with no cut. It owns the model and the
 * optimizer state; {@link #close()} frees them.
 */
public final class CentralizedTrainer implements AutoCloseable {
  private final NDManager manager;
  private final ClientModel client;
  private final ServerModel server;
  private final Adam clientOptimizer;
  private final Adam serverOptimizer;
  private final StepLr schedule;
  private final int batchSize;
  private final Random rng;
  /** Cross-entropy, or the contrastive loss over the whole batch (retrieval). */
  private final org.mpsl4j.model.train.Objective objective;

  public CentralizedTrainer(ModelConfig config, float learningRate, StepLr schedule, int batchSize, long seed) {
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batch size must be > 0 but was " + batchSize);
    }
    manager = NDManager.newBaseManager();
    Random init = new Random(seed);
    client = new ClientModel(manager, config, init);
    server = new ServerModel(manager, config, init);
    clientOptimizer = new Adam(manager, learningRate);
    serverOptimizer = new Adam(manager, learningRate);
    this.schedule = schedule;
    this.batchSize = batchSize;
    this.rng = new Random(seed + 1);
    this.objective = org.mpsl4j.model.train.Objective.of(config.head());
  }

  public ClientModel client() {
    return client;
  }

  public ServerModel server() {
    return server;
  }

  /** Trains {@code epochs} epochs, evaluating after each; {@code onEpoch} sees each result as it comes. */
  public List<EpochResult> train(DatasetSplit data, int epochs, Consumer<EpochResult> onEpoch) {
    List<EpochResult> results = new ArrayList<>();
    for (int epoch = 0; epoch < epochs; epoch++) {
      float lr = schedule.learningRate(epoch);
      clientOptimizer.setLearningRate(lr);
      serverOptimizer.setLearningRate(lr);
      long start = System.nanoTime();
      double lossSum = trainEpoch(data);
      double seconds = (System.nanoTime() - start) / 1e9;
      org.mpsl4j.engine.TestScore score = Evaluation.score(client, server, data.test(), 256, manager);
      EpochResult r = new EpochResult(epoch + 1, lossSum / data.train().size(), score.value(),
          data.train().size() / seconds, seconds, score.recall());
      results.add(r);
      onEpoch.accept(r);
    }
    return results;
  }

  private double trainEpoch(DatasetSplit data) {
    int[] order = permutation(data.train().size());
    double lossSum = 0;
    for (int start = 0; start < order.length; start += batchSize) {
      int n = Math.min(batchSize, order.length - start);
      int[] idx = java.util.Arrays.copyOfRange(order, start, start + n);
      lossSum += step(data.train().batch(idx)) * n;
    }
    return lossSum;
  }

  /** One optimizer step on one batch; returns the batch's mean loss. */
  public double step(org.mpsl4j.data.Batch batch) {
    try (NDManager scope = manager.newSubManager()) {
      BatchTensors b = BatchTensors.of(batch, scope);
      float loss;
      try (Autograd.Recording r = Autograd.record()) {
        NDArray l = objective.loss(server.forward(client.forward(b.inputs(), b.masks()), true), b.labels());
        Autograd.backward(l);
        loss = l.getFloat();
      }
      clientOptimizer.step(client.namedParameters(), scope);
      serverOptimizer.step(server.namedParameters(), scope);
      return loss;
    }
  }

  private int[] permutation(int n) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  @Override
  public void close() {
    manager.close();
  }
}
