package org.mpsl4j.bench;

import ai.djl.ndarray.NDManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.mpsl4j.core.port.InMemoryCohort;
import org.mpsl4j.core.port.SplitStepRunner;
import org.mpsl4j.core.port.StepPlan;
import org.mpsl4j.core.port.StepReport;
import org.mpsl4j.core.port.Ticker;
import org.mpsl4j.core.step.ClientSplitStep;
import org.mpsl4j.core.step.OutputLoss;
import org.mpsl4j.core.step.ServerSplitStep;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.engine.sim.MpslSetup;
import org.mpsl4j.engine.sim.SimulationConfig;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.ServerModel;
import org.mpsl4j.model.train.Adam;

/**
 * MPSL steps over the in-memory port: the core's step ({@link SplitStepRunner} with one {@link
 * ServerSplitStep}) and the clients' core steps, called directly on this thread, with the same model,
 * partition, client batch and seeds as {@link MpslRun}. Nothing is encoded; what crosses the cut is
 * handed over detached. The cost of the transport is what separates this run from {@link MpslRun}.
 */
final class InMemoryMpslRun implements AutoCloseable {
  private final NDManager manager = NDManager.newBaseManager();
  private final ServerSplitStep server;
  private final List<ClientSplitStep> clients = new ArrayList<>();
  private final SplitStepRunner runner;
  private final int stepsPerEpoch;
  private final float learningRate;
  private long step;

  InMemoryMpslRun(SimulationConfig config, DatasetSplit data, Partition partition) {
    Random rng = new Random(config.seed());
    new ClientModel(manager, config.model(), rng); // the server part is drawn after the tokenizers
    server = new ServerSplitStep(new ServerModel(manager, config.model(), rng), new Adam(manager, config.learningRate()));
    int steps = 0;
    for (int i = 0; i < config.clients(); i++) {
      ClientSplitStep c = new ClientSplitStep(MpslSetup.clientId(i), manager,
          new ClientModel(manager, config.model(), new Random(config.seed())), new Adam(manager, config.learningRate()),
          data.train(), partition.client(i), config.clientBatch(), config.seed() + 1 + i, OutputLoss.crossEntropy());
      clients.add(c);
      steps = Math.max(steps, c.stepsPerEpoch());
    }
    stepsPerEpoch = steps;
    learningRate = config.learningRate();
    runner = new SplitStepRunner(new InMemoryCohort(clients), Ticker.system());
  }

  /** Runs {@code k} more training steps; returns the seconds of each. */
  double[] steps(int k) throws InterruptedException {
    double[] out = new double[k];
    for (int i = 0; i < k; i++) {
      long t0 = System.nanoTime();
      int inEpoch = (int) (step % stepsPerEpoch);
      StepPlan plan = new StepPlan(++step, (int) ((step - 1) / stepsPerEpoch), inEpoch, learningRate);
      try (NDManager scope = manager.newSubManager()) {
        StepReport r = runner.step(plan, runner.cohort().participants(), c -> server, Duration.ofMinutes(5), scope);
        if (r.updates() != 1) {
          throw new IllegalStateException("in-memory step " + step + " did not update the server model: " + r);
        }
      }
      out[i] = (System.nanoTime() - t0) / 1e9;
    }
    return out;
  }

  @Override
  public void close() {
    clients.forEach(ClientSplitStep::close);
    manager.close();
  }
}
