package org.mpsl4j.engine.baselines;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mpsl4j.core.port.StepReport;
import org.mpsl4j.model.ServerModel;
import org.mpsl4j.protocol.v1.ClientMessage;

/**
 * SplitFed v2 (Thapa et al., 2022): one server part and optimizer; in each round the clients take
 * their turns in a seeded random order, each running its whole local epoch against that one server
 * part. Every client starts the round from the same global client part; at the end the client parts
 * are averaged (sample-weighted) into the next global one.
 */
public final class SplitFedV2 extends SplitStrategy {
  private final ServerPart server;

  public SplitFedV2(Experiment x) {
    super(x);
    server = new ServerPart(manager, x.model(), x.seed(), x.learningRate());
  }

  public static SplitClient client(Experiment x, int i) {
    return SplitFedV1.client(x, i);
  }

  @Override
  public RoundStats round(int round, float learningRate, Grid grid) throws InterruptedException {
    List<String> order = new ArrayList<>(grid.clients());
    Collections.shuffle(order, new Random(experiment.seed() * 31 + round));
    sendClientPart(grid, order);
    StepReport sum = StepReport.NONE;
    Map<String, ClientMessage> uploads = new LinkedHashMap<>();
    for (String c : order) {
      sum = sum.plus(clientTurn(grid, c, server, round, learningRate));
      uploads.putAll(collectClientParts(grid, List.of(c), round));
    }
    int parts = adoptClientParts(uploads);
    return new RoundStats(meanLoss(sum), sum.missed() + order.size() - parts, sum.counted().size());
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
