package org.mpsl4j.engine.baselines;

import org.mpsl4j.core.data.EpochOrder;
import ai.djl.ndarray.NDManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.ServerModel;
import org.mpsl4j.protocol.MalformedTensorException;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.ParameterSet;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.EpochEnd;
import java.util.EnumSet;
import java.util.function.Function;
import org.mpsl4j.core.port.SplitStepRunner;
import org.mpsl4j.core.port.StepPlan;
import org.mpsl4j.core.port.StepReport;
import org.mpsl4j.core.port.Ticker;

/**
 * What the split baselines share: the global client part the server hands out ({@code global_model})
 * and rebuilds from the clients' {@code model_update}s, and evaluation of (global client part, a
 * server model). How server models are kept and in which order clients step is the subclass's.
 */
public abstract class SplitStrategy implements Strategy {
  protected final NDManager manager = NDManager.newBaseManager();
  protected final Experiment experiment;
  private final ClientModel globalClient;

  protected SplitStrategy(Experiment x) {
    this.experiment = x;
    this.globalClient = new ClientModel(manager, x.model(), new Random(x.seed()));
  }

  /** The client part a client gets at the start of its turn: the average (SplitFed) or the last client's (SL). */
  public ClientModel globalClient() {
    return globalClient;
  }

  /** The server model the global model is evaluated with. */
  protected abstract ServerModel evaluationServer();

  protected final Duration deadline() {
    return experiment.deadline();
  }

  /** Sends the global client part to {@code clients} (encoded once). */
  protected final void sendClientPart(Grid grid, Collection<String> clients) {
    long step = grid.nextStep();
    ParameterSet set = ParameterSets.encode(globalClient.namedParameters(), 0);
    for (String c : clients) {
      grid.send(c, step, ServerMessage.newBuilder().setGlobalModel(set));
    }
  }

  /**
   * Replaces the global client part with the sample-weighted average of the well-formed uploads
   * (one upload: that client's part, the hand-over of sequential SL). Returns how many were usable.
   */
  protected final int adoptClientParts(Map<String, ClientMessage> uploads) {
    try (NDManager scope = manager.newSubManager()) {
      List<Aggregation.Update> updates = new ArrayList<>();
      for (Map.Entry<String, ClientMessage> e : uploads.entrySet()) {
        ParameterSet set = e.getValue().getModelUpdate();
        try {
          updates.add(new Aggregation.Update(Math.max(1, set.getSamples()),
              ParameterSets.decode(set, globalClient.namedParameters(), scope, "client part of '" + e.getKey() + "'")));
        } catch (MalformedTensorException e2) {
          // left out, exactly like an upload that missed the deadline
        }
      }
      if (!updates.isEmpty()) {
        ParameterSets.copy(Aggregation.weightedAverage(updates, scope), globalClient.namedParameters());
      }
      return updates.size();
    }
  }

  /** Steps {@code client} alone through its local epoch with {@code server}: the sequential methods' turn. */
  protected final StepReport clientTurn(Grid grid, String client, ServerPart server, int round, float lr)
      throws InterruptedException {
    StepReport sum = StepReport.NONE;
    int steps = EpochOrder.steps(grid.trainSamples(client), experiment.clientBatch());
    for (int s = 0; s < steps; s++) {
      sum = sum.plus(splitStep(grid, List.of(client), c -> server, round, s, lr));
    }
    return sum;
  }

  /**
   * One split step of {@code clients} over the grid, the core's step ({@link SplitStepRunner}), with
   * {@code partOf} naming the server part that serves each client.
   */
  protected final StepReport splitStep(Grid grid, List<String> clients, Function<String, ServerPart> partOf, int round,
      int stepInRound, float lr) throws InterruptedException {
    SplitStepRunner runner = new SplitStepRunner(new GridCohort(grid, experiment.model()), Ticker.system());
    try (NDManager scope = manager.newSubManager()) {
      return runner.step(new StepPlan(grid.nextStep(), round, stepInRound, lr), clients, c -> partOf.apply(c).step(),
          deadline(), scope);
    }
  }

  /** Asks {@code clients} for their client parts (EpochEnd ↓, model_update ↑); returns the replies that came. */
  protected final Map<String, ClientMessage> collectClientParts(Grid grid, List<String> clients, int epoch)
      throws InterruptedException {
    long step = grid.nextStep();
    for (String c : clients) {
      grid.send(c, step, ServerMessage.newBuilder().setEpochEnd(EpochEnd.newBuilder().setEpoch(epoch)));
    }
    return grid.collect(step, new ArrayList<>(clients), EnumSet.of(ClientMessage.BodyCase.MODEL_UPDATE), deadline());
  }

  /** The sample-weighted mean training loss of {@code r}, as the server learned it; NaN without samples. */
  protected static double meanLoss(StepReport r) {
    return r.samples() == 0 ? Double.NaN : r.lossTimesBatch() / r.samples();
  }

  @Override
  public double evaluate(LabeledDataset test) {
    return score(test).value();
  }

  @Override
  public org.mpsl4j.engine.TestScore score(LabeledDataset test) {
    ServerModel server = evaluationServer();
    return TestAccuracy.score(org.mpsl4j.model.train.Objective.of(server.config().head()),
        b -> server.forward(globalClient.forward(b.inputs(), b.masks()), false), test, 256);
  }

  protected final long clientPartBytes() {
    return ParameterSets.bytes(globalClient.namedParameters());
  }

  @Override
  public void close() {
    manager.close();
  }
}
