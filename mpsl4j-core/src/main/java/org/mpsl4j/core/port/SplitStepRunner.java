package org.mpsl4j.core.port;

import ai.djl.ndarray.NDManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.mpsl4j.core.cut.CutActivations;
import org.mpsl4j.core.cut.CutBatch;
import org.mpsl4j.core.cut.CutGradient;
import org.mpsl4j.core.cut.CutOutputs;
import org.mpsl4j.core.cut.OutputGradient;
import org.mpsl4j.core.step.ServerSideLoss;
import org.mpsl4j.core.step.ServerSplitStep;
import org.mpsl4j.core.step.StepOutcome;

/**
 * One split-learning step over a {@link Cohort}, written once for every split method: step begin ↓ →
 * activations ↑ (deadline) → per server part one forward → outputs ↓ → output gradients ↑ (deadline)
 * → per server part one backward and optimizer step → cut gradients ↓. Which server part serves which
 * client is the method's ({@code serverFor}): MPSL maps every client to its one part, SplitFed v1
 * each client to its own copy; sequential methods ask one client at a time.
 *
 * <p>Clients that miss a phase or send something the port rejects sit the rest of the step out: they
 * get no cut gradient and take no optimizer step, and the others' weights are renormalized ({@link
 * ServerSplitStep}). A part none of whose clients answered does not step.
 */
public final class SplitStepRunner {
  private final Cohort cohort;
  private final Ticker ticker;
  /** When set, output gradients come from this loss over each part's whole batch, not from the clients. */
  private ServerSideLoss serverLoss;

  public SplitStepRunner(Cohort cohort, Ticker ticker) {
    this.cohort = cohort;
    this.ticker = ticker;
  }

  public Cohort cohort() {
    return cohort;
  }

  /**
   * Computes the loss on the server over each forward pass's whole batch ({@link ServerSideLoss}): no
   * outputs go down and no output gradients come up; each client's rows of the loss gradient stand in for
   * its output gradient.
   */
  public void useServerSideLoss(ServerSideLoss loss) {
    this.serverLoss = loss;
  }

  /**
   * Runs step {@code plan} with {@code clients}; each phase gets {@code deadline}. Arrays live in
   * {@code scope}, which the caller closes after the step.
   */
  public StepReport step(StepPlan plan, List<String> clients, Function<String, ServerSplitStep> serverFor,
      Duration deadline, NDManager scope) throws InterruptedException {
    if (clients.isEmpty()) {
      return StepReport.NONE;
    }
    Arrivals<CutActivations> up = cohort.activations(plan, clients, scope, Deadline.after(ticker, deadline));
    if (up.arrived().isEmpty()) {
      return new StepReport(0, 0, 0, 0, up.missedClients(), 0, List.of());
    }
    // One forward per server part, over all of its clients' activations joined.
    Map<ServerSplitStep, List<CutActivations>> groups = new LinkedHashMap<>();
    for (CutActivations a : up.arrived()) {
      groups.computeIfAbsent(serverFor.apply(a.client()), k -> new ArrayList<>()).add(a);
    }
    Map<ServerSplitStep, ServerSplitStep.Forward> forwards = new LinkedHashMap<>();
    List<CutOutputs> outputs = new ArrayList<>();
    for (Map.Entry<ServerSplitStep, List<CutActivations>> g : groups.entrySet()) {
      g.getKey().optimizer().setLearningRate(plan.learningRate());
      ServerSplitStep.Forward f = g.getKey().forward(CutBatch.join(g.getValue(), scope));
      forwards.put(g.getKey(), f);
      outputs.addAll(f.slices());
    }
    Arrivals<OutputGradient> down = serverLoss != null ? serverLossGradients(forwards.values(), scope)
        : cohort.outputGradients(plan.step(), outputs, scope, Deadline.after(ticker, deadline));
    Map<String, OutputGradient> byClient = new HashMap<>();
    for (OutputGradient g : down.arrived()) {
      byClient.put(g.client(), g);
    }
    StepReport report = new StepReport(0, 0, 0, 0,
        java.util.stream.Stream.concat(up.missedClients().stream(), down.missedClients().stream()).toList(), 0,
        List.of());
    List<CutGradient> cut = new ArrayList<>();
    for (Map.Entry<ServerSplitStep, ServerSplitStep.Forward> f : forwards.entrySet()) {
      StepOutcome o = f.getKey().backward(f.getValue(), byClient, scope);
      switch (o.status()) {
        case UPDATED -> {
          cut.addAll(o.cutGradients());
          report = report.plus(new StepReport(1, o.samples(), o.lossTimesBatch(), o.correct(), List.of(), 0,
              o.counted()));
        }
        case NON_FINITE -> {
          // Every input was checked by the port, so this should not happen; if it does, one bad step must
          // not poison the shared model: no update, and no cut gradient for the clients to apply.
          cohort.updateSkipped(plan.step(), o.counted(), "step " + plan.step() + " produced non-finite gradients;"
              + " the server skipped its update");
          report = report.plus(new StepReport(0, 0, 0, 0, List.of(), 1, List.of()));
        }
        case NO_GRADIENTS -> { }
      }
    }
    if (!cut.isEmpty()) {
      cohort.cutGradients(plan.step(), cut);
    }
    return report;
  }

  /** Each member's rows of the server-side loss's gradient, as if the member had sent them. */
  private Arrivals<OutputGradient> serverLossGradients(Iterable<ServerSplitStep.Forward> forwards, NDManager scope) {
    List<OutputGradient> out = new ArrayList<>();
    for (ServerSplitStep.Forward f : forwards) {
      ServerSideLoss.Result r = serverLoss.lossGradient(f.outputs(), scope);
      if (!r.gradient().getShape().equals(f.outputs().getShape())) {
        throw new IllegalStateException("server-side loss gave a gradient of shape " + r.gradient().getShape()
            + " for outputs of shape " + f.outputs().getShape());
      }
      for (CutOutputs o : f.slices()) {
        CutOutputs rows = new CutOutputs(o.client(), r.gradient(), o.row(), o.batch(), o.totalBatch());
        out.add(new OutputGradient(o.client(), rows.values(), (float) r.loss(), r.correct(o.row(), o.batch())));
      }
    }
    return Arrivals.all(out);
  }
}
