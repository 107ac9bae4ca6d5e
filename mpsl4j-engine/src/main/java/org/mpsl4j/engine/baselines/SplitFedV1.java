package org.mpsl4j.engine.baselines;

import org.mpsl4j.core.data.EpochOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.mpsl4j.core.port.StepReport;
import org.mpsl4j.model.ServerModel;

/**
 * SplitFed v1 (Thapa et al., 2022): clients step in parallel as in MPSL, but the server keeps one
 * copy of the server part <em>per client</em>, each with its own optimizer, and runs a separate
 * forward and backward per client. At the end of each round the server copies of the clients that counted
 * in a step are averaged (sample-weighted) into every copy, and the client parts are collected and averaged into the global
 * client part that every client gets at the next round's start.
 */
public final class SplitFedV1 extends SplitStrategy {
  private final Map<String, ServerPart> copies = new LinkedHashMap<>();
  private Consumer<Map<String, ServerPart>> beforeAverage = c -> {};

  public SplitFedV1(Experiment x) {
    super(x);
  }

  public static SplitClient client(Experiment x, int i) {
    return new SplitClient("client-" + i, x.model(), x.seed(), x.data().train(), x.partition().client(i),
        x.clientBatch(), x.dataSeed(i), x.learningRate());
  }

  /** The server copies by client id (one per client once the first round ran). */
  public Map<String, ServerPart> serverCopies() {
    return java.util.Collections.unmodifiableMap(copies);
  }

  /** Test hook: sees the copies after training and before they are averaged. */
  void onBeforeAverage(Consumer<Map<String, ServerPart>> hook) {
    this.beforeAverage = hook;
  }

  @Override
  public RoundStats round(int round, float learningRate, Grid grid) throws InterruptedException {
    List<String> clients = grid.clients();
    for (String c : clients) {
      copies.computeIfAbsent(c, k -> new ServerPart(manager, experiment.model(), experiment.seed(), learningRate));
    }
    sendClientPart(grid, clients);
    int steps = 0;
    for (String c : clients) {
      steps = Math.max(steps, EpochOrder.steps(grid.trainSamples(c), experiment.clientBatch()));
    }
    StepReport sum = StepReport.NONE;
    for (int s = 0; s < steps; s++) {
      sum = sum.plus(splitStep(grid, clients, copies::get, round, s, learningRate));
    }
    int parts = adoptClientParts(collectClientParts(grid, clients, round));
    beforeAverage.accept(copies);
    averageCopies(grid, new java.util.HashSet<>(sum.counted()));
    return new RoundStats(meanLoss(sum), sum.missed() + clients.size() - parts, sum.counted().size());
  }

  /**
   * FedAvg of the server copies of the clients that counted in at least one step of the round ({@code trained}),
   * weighted by each client's sample count, into every copy. The copy of a client whose every step missed did not
   * train: averaged in, it would pull the model back towards the round's start by that client's weight.
   */
  private void averageCopies(Grid grid, java.util.Set<String> trained) {
    if (trained.isEmpty()) {
      return; // no copy trained; the round loop refuses the round
    }
    try (var scope = manager.newSubManager()) {
      List<Aggregation.Update> updates = new ArrayList<>();
      for (Map.Entry<String, ServerPart> e : copies.entrySet()) {
        if (!trained.contains(e.getKey())) {
          continue;
        }
        Map<String, ai.djl.ndarray.NDArray> values = new LinkedHashMap<>();
        e.getValue().model().trainableParameters().forEach((n, p) -> values.put(n, p.array()));
        updates.add(new Aggregation.Update(grid.trainSamples(e.getKey()), values));
      }
      var average = Aggregation.weightedAverage(updates, scope);
      for (ServerPart part : copies.values()) {
        ParameterSets.copy(average, part.model().trainableParameters());
      }
    }
  }

  @Override
  protected ServerModel evaluationServer() {
    if (copies.isEmpty()) {
      throw new IllegalStateException("SplitFed v1 has no server copy before its first round");
    }
    return copies.values().iterator().next().model(); // all equal after averaging
  }

  @Override
  public long serverStateBytes() {
    return copies.values().stream().mapToLong(ServerPart::stateBytes).sum() + clientPartBytes();
  }
}
