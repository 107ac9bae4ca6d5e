package org.mpsl4j.engine.baselines;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.ParameterSet;
import org.mpsl4j.protocol.v1.RoundBegin;
import org.mpsl4j.protocol.v1.ServerMessage;

/**
 * Model-exchange federated learning (FedAvg family): each round sends every client
 * {@code RoundBegin} and the global trainable parameters ({@code global_model}), collects each
 * client's {@code model_update} and replaces the global parameters with their sample-weighted
 * average. The round's training loss is the sample-weighted mean of the {@code train_loss} the
 * averaged uploads report (uploads without a finite, non-negative loss count for the model but not
 * for the loss). Subclasses only choose the local model; uploads that are late or malformed are left
 * out of the average (and counted as missed), and a round where none arrive keeps the previous global model and
 * reports no contribution, which {@link RoundLoop} refuses. The round's deadline is {@link LocalTrainingDeadline}'s.
 */
public abstract class FederatedStrategy implements Strategy {
  private final NDManager manager = NDManager.newBaseManager();
  private final LocalModel global;
  private final int localEpochs;
  private final LocalTrainingDeadline deadline;
  private int lastAggregated;
  private double lastLoss = Double.NaN;
  private String lastRejection;

  /** Scores the global model (accuracy, or Recall@K for retrieval); set by subclasses that know the model. */
  private org.mpsl4j.model.train.Objective objective = org.mpsl4j.model.train.Objective.CLASSIFICATION;

  /** The objective the global model is scored by (default classification). */
  protected final void scoreBy(org.mpsl4j.model.train.Objective objective) {
    this.objective = objective;
  }

  protected FederatedStrategy(LocalModel.Factory factory, long seed, int localEpochs, LocalTrainingDeadline deadline) {
    this.global = factory.build(manager, seed);
    this.localEpochs = localEpochs;
    this.deadline = deadline;
  }

  public LocalModel global() {
    return global;
  }

  /** How many uploads the last round averaged. */
  public int lastAggregated() {
    return lastAggregated;
  }

  @Override
  public RoundStats round(int round, float learningRate, Grid grid) throws InterruptedException {
    List<String> clients = grid.clients();
    long step = grid.nextStep();
    ParameterSet model = ParameterSets.encode(global.trainable(), 0); // encoded once, sent to all
    for (String c : clients) {
      grid.send(c, step, ServerMessage.newBuilder().setRoundBegin(RoundBegin.newBuilder()
          .setRound(round).setLocalEpochs(localEpochs).setLearningRate(learningRate)));
      grid.send(c, step, ServerMessage.newBuilder().setGlobalModel(model));
    }
    Map<String, ClientMessage> replies = grid.collect(step, clients, EnumSet.of(ClientMessage.BodyCase.MODEL_UPDATE),
        deadline.forRound(clients.stream().map(grid::trainSamples).toList(), localEpochs));
    int rejected = aggregate(replies);
    return new RoundStats(lastLoss, clients.size() - replies.size() + rejected, lastAggregated);
  }

  /**
   * Averages the well-formed uploads into the global model and their reported losses into
   * {@link #lastLoss()}; returns how many uploads were refused.
   */
  private int aggregate(Map<String, ClientMessage> replies) {
    int rejected = 0;
    double lossSum = 0;
    long lossSamples = 0;
    try (NDManager scope = manager.newSubManager()) {
      List<Aggregation.Update> updates = new ArrayList<>();
      for (Map.Entry<String, ClientMessage> e : replies.entrySet()) {
        ParameterSet set = e.getValue().getModelUpdate();
        try {
          updates.add(new Aggregation.Update(set.getSamples(),
              ParameterSets.decode(set, global.trainable(), scope, "model update of client '" + e.getKey() + "'")));
          if (set.hasTrainLoss() && Float.isFinite(set.getTrainLoss()) && set.getTrainLoss() >= 0) {
            lossSum += (double) set.getTrainLoss() * set.getSamples();
            lossSamples += set.getSamples();
          }
        } catch (IllegalArgumentException ex) { // MalformedTensorException included
          rejected++; // counted as missed: a refused upload is left out, as a late one is
          lastRejection = ex.getMessage();
        }
      }
      lastAggregated = updates.size();
      lastLoss = lossSamples == 0 ? Double.NaN : lossSum / lossSamples;
      if (!updates.isEmpty()) {
        ParameterSets.copy(Aggregation.weightedAverage(updates, scope), global.trainable());
      }
    }
    return rejected;
  }

  /** Sample-weighted mean training loss the last round's averaged uploads reported; NaN if none did. */
  public double lastLoss() {
    return lastLoss;
  }

  /** Why the last refused upload was refused, or null. */
  public String lastRejection() {
    return lastRejection;
  }

  @Override
  public double evaluate(LabeledDataset test) {
    return score(test).value();
  }

  @Override
  public org.mpsl4j.engine.TestScore score(LabeledDataset test) {
    return TestAccuracy.score(objective, b -> global.forward(b, false), test, 256);
  }

  /** The global trainable parameters: the server keeps no optimizer and, between rounds, no client state. */
  @Override
  public long serverStateBytes() {
    return ParameterSets.bytes(global.trainable());
  }

  @Override
  public void close() {
    manager.close();
  }
}
