package org.mpsl4j.engine.baselines;

import java.util.List;
import org.mpsl4j.core.port.StepReport;
import org.mpsl4j.model.ServerModel;

/**
 * Vanilla split learning (Gupta and Raskar, 2018), relay-style: one client at a time, in a fixed
 * order, trains its local epoch against the one server part; then its client part goes back to the
 * server ({@code model_update}) and on to the next client ({@code global_model}). No averaging: the
 * global client part is simply the last client's.
 */
public final class SequentialSl extends SplitStrategy {
  private final ServerPart server;

  public SequentialSl(Experiment x) {
    super(x);
    server = new ServerPart(manager, x.model(), x.seed(), x.learningRate());
  }

  public static SplitClient client(Experiment x, int i) {
    return SplitFedV1.client(x, i);
  }

  @Override
  public RoundStats round(int round, float learningRate, Grid grid) throws InterruptedException {
    StepReport sum = StepReport.NONE;
    int missing = 0;
    for (String c : grid.clients()) {
      sendClientPart(grid, List.of(c));
      sum = sum.plus(clientTurn(grid, c, server, round, learningRate));
      missing += 1 - adoptClientParts(collectClientParts(grid, List.of(c), round));
    }
    return new RoundStats(meanLoss(sum), sum.missed() + missing, sum.counted().size());
  }

  @Override
  protected ServerModel evaluationServer() {
    return server.model();
  }

  @Override
  public long serverStateBytes() {
    return server.stateBytes() + clientPartBytes();
  }
}
