package org.mpsl4j.engine.baselines;

import org.mpsl4j.core.data.EpochOrder;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.List;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.core.data.BatchTensors;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.train.Adam;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.ParameterSet;
import org.mpsl4j.protocol.v1.RoundBegin;
import org.mpsl4j.protocol.v1.ServerMessage;

/**
 * A federated client (FedAvg, FedCLIP): holds a whole {@link LocalModel}, its data and labels and its
 * own Adam. On {@code RoundBegin} it takes the round's learning rate and local epochs; on
 * {@code global_model} it loads the global trainable parameters, trains its local epochs with its
 * mini-batch in the seeded epoch order, and replies {@code model_update} with its trained parameters,
 * its sample count and the mean training loss of the round (the server's only view of the loss). The optimizer state stays on the client across rounds, as MPSL clients keep theirs.
 */
public final class FederatedClient extends BaselineClient {
  private final NDManager manager;
  private final LocalModel model;
  private final Adam optimizer;
  private final LabeledDataset data;
  private final int[] indices;
  private final int batchSize;
  private final long dataSeed;
  private RoundBegin round;
  /** Cross-entropy with its labels, or the contrastive loss over its own mini-batch (retrieval). */
  private final org.mpsl4j.model.train.Objective objective;
  private double lastLoss = Double.NaN;

  public FederatedClient(String clientId, ModelConfig config, LocalModel.Factory factory, long modelSeed,
      LabeledDataset data, int[] indices, int batchSize, long dataSeed, float learningRate) {
    super(clientId, config.tokenizers(), indices.length, batchSize);
    this.manager = NDManager.newBaseManager();
    this.model = factory.build(manager, modelSeed);
    this.optimizer = new Adam(manager, learningRate);
    this.data = data;
    this.indices = indices.clone();
    this.batchSize = batchSize;
    this.dataSeed = dataSeed;
    this.objective = org.mpsl4j.model.train.Objective.of(config.head());
  }

  public LocalModel model() {
    return model;
  }

  /** Mean training loss of the last round, as measured here and sent in the update's {@code train_loss}. */
  public double lastRoundLoss() {
    return lastLoss;
  }

  public int samples() {
    return indices.length;
  }

  @Override
  protected List<ClientMessage> handle(ServerMessage m) {
    return switch (m.getBodyCase()) {
      case ROUND_BEGIN -> {
        round = m.getRoundBegin();
        yield List.of();
      }
      case GLOBAL_MODEL -> List.of(trainRound(m.getStep(), m.getGlobalModel()));
      default -> List.of();
    };
  }

  private ClientMessage trainRound(long step, ParameterSet global) {
    if (round == null) {
      throw new IllegalStateException("client '" + clientId() + "' got a global model before any RoundBegin");
    }
    try (NDManager scope = manager.newSubManager()) {
      ParameterSets.load(global, model.trainable(), scope, "global model for client '" + clientId() + "'");
    }
    optimizer.setLearningRate(round.getLearningRate());
    double lossSum = 0;
    long seen = 0;
    for (int e = 0; e < Math.max(1, round.getLocalEpochs()); e++) {
      int epoch = round.getRound() * Math.max(1, round.getLocalEpochs()) + e;
      int[] order = EpochOrder.of(indices, dataSeed, epoch);
      for (int from = 0; from < order.length; from += batchSize) {
        int[] idx = Arrays.copyOfRange(order, from, Math.min(order.length, from + batchSize));
        lossSum += (double) step(idx) * idx.length;
        seen += idx.length;
      }
    }
    lastLoss = lossSum / seen;
    return reply(step).setModelUpdate(ParameterSets.encode(model.trainable(), indices.length, lastLoss)).build();
  }

  /** One local optimizer step; returns the batch's mean loss. */
  float step(int[] idx) {
    try (NDManager scope = manager.newSubManager()) {
      BatchTensors b = BatchTensors.of(data.batch(idx), scope);
      float loss;
      try (Autograd.Recording r = Autograd.record()) {
        NDArray l = objective.loss(model.forward(b, true), b.labels());
        Autograd.backward(l);
        loss = l.getFloat();
      }
      optimizer.step(model.trainable(), scope);
      return loss;
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
