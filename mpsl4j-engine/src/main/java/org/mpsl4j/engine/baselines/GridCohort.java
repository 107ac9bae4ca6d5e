package org.mpsl4j.engine.baselines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.mpsl4j.core.cut.CutActivations;
import org.mpsl4j.core.cut.CutGradient;
import org.mpsl4j.core.cut.CutOutputs;
import org.mpsl4j.core.cut.OutputGradient;
import org.mpsl4j.core.port.Arrivals;
import org.mpsl4j.core.port.Cohort;
import org.mpsl4j.core.port.Deadline;
import org.mpsl4j.core.port.StepPlan;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.tokenizer.Tokens;
import org.mpsl4j.protocol.MalformedTensorException;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.TensorLimits;
import org.mpsl4j.protocol.v1.Activations;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.CutGrad;
import org.mpsl4j.protocol.v1.InputActivation;
import org.mpsl4j.protocol.v1.OutputGrad;
import org.mpsl4j.protocol.v1.Outputs;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.StepBegin;

/**
 * The transport port of the split baselines over their {@link Grid} (gRPC in-process or direct): step
 * messages of {@code mpsl.proto} out, replies decoded and checked against the model into core records.
 * A reply that fails a check leaves its client out of the step, like one that missed the deadline.
 */
final class GridCohort implements Cohort {
  private final Grid grid;
  private final ModelConfig config;
  private final TensorLimits limits = new TensorLimits(3, 1L << 28, true);

  GridCohort(Grid grid, ModelConfig config) {
    this.grid = grid;
    this.config = config;
  }

  @Override
  public List<String> participants() {
    return grid.clients();
  }

  @Override
  public Arrivals<CutActivations> activations(StepPlan plan, List<String> clients, NDManager scope,
      Deadline deadline) throws InterruptedException {
    for (String c : clients) {
      grid.send(c, plan.step(), ServerMessage.newBuilder().setStepBegin(StepBegin.newBuilder()
          .setEpoch(plan.epoch()).setStepInEpoch(plan.stepInEpoch()).setLearningRate(plan.learningRate())));
    }
    Map<String, ClientMessage> up = grid.collect(plan.step(), clients,
        EnumSet.of(ClientMessage.BodyCase.ACTIVATIONS, ClientMessage.BodyCase.NO_DATA), remaining(deadline));
    List<String> missed = new ArrayList<>(clients.stream().filter(c -> !up.containsKey(c)).toList());
    List<CutActivations> out = new ArrayList<>();
    for (Map.Entry<String, ClientMessage> e : up.entrySet()) {
      if (e.getValue().hasNoData()) {
        continue;
      }
      try {
        out.add(decode(e.getKey(), e.getValue().getActivations(), scope, who(e.getKey(), plan.step())));
      } catch (MalformedTensorException ex) {
        missed.add(e.getKey());
      }
    }
    return new Arrivals<>(out, missed);
  }

  private CutActivations decode(String client, Activations a, NDManager scope, String who) {
    if (a.getInputsCount() != config.tokenizers().size()) {
      throw new MalformedTensorException(who + ": " + a.getInputsCount() + " inputs but the model reads "
          + config.tokenizers().size());
    }
    List<Tokens> tokens = new ArrayList<>();
    for (int i = 0; i < a.getInputsCount(); i++) {
      InputActivation in = a.getInputs(i);
      String want = config.tokenizers().get(i).input();
      if (!in.getInput().equals(want)) {
        throw new MalformedTensorException(who + ": input " + i + " is '" + in.getInput() + "' but the model reads '"
            + want + "'");
      }
      NDArray values = TensorCodec.decode(in.getValues(), scope, limits, who + " " + want);
      NDArray mask = in.hasMask() ? TensorCodec.decode(in.getMask(), scope, limits, who + " " + want + " mask") : null;
      if (values.getShape().dimension() != 3 || (!tokens.isEmpty() && values.getShape().get(0) != tokens.get(0).batch())) {
        throw new MalformedTensorException(who + ": activations of shape " + values.getShape());
      }
      tokens.add(new Tokens(values, mask));
    }
    return new CutActivations(client, (int) tokens.get(0).batch(), tokens);
  }

  @Override
  public Arrivals<OutputGradient> outputGradients(long step, List<CutOutputs> outputs, NDManager scope,
      Deadline deadline) throws InterruptedException {
    List<String> clients = new ArrayList<>();
    for (CutOutputs o : outputs) {
      clients.add(o.client());
      grid.send(o.client(), step, ServerMessage.newBuilder().setOutputs(Outputs.newBuilder()
          .setValues(TensorCodec.encode(o.values())).setTotalBatch(o.totalBatch())));
    }
    Map<String, ClientMessage> replies = grid.collect(step, clients, EnumSet.of(ClientMessage.BodyCase.OUTPUT_GRAD),
        remaining(deadline));
    List<String> missed = new ArrayList<>();
    List<OutputGradient> out = new ArrayList<>();
    for (CutOutputs o : outputs) {
      ClientMessage m = replies.get(o.client());
      if (m == null) {
        missed.add(o.client());
        continue;
      }
      OutputGrad g = m.getOutputGrad();
      try {
        NDArray grad = TensorCodec.decode(g.getGrad(), scope, limits, who(o.client(), step) + " output gradient");
        if (!grad.getShape().equals(new Shape(o.batch(), o.all().getShape().get(1)))) {
          throw new MalformedTensorException(who(o.client(), step) + ": output gradient " + grad.getShape());
        }
        out.add(new OutputGradient(o.client(), grad, g.getLoss(), g.getCorrect()));
      } catch (MalformedTensorException e) {
        missed.add(o.client());
      }
    }
    return new Arrivals<>(out, missed);
  }

  @Override
  public void cutGradients(long step, List<CutGradient> gradients) {
    for (CutGradient g : gradients) {
      CutGrad.Builder cg = CutGrad.newBuilder();
      for (int i = 0; i < g.inputs(); i++) {
        cg.addGrads(TensorCodec.encode(g.values(i)));
      }
      grid.send(g.client(), step, ServerMessage.newBuilder().setCutGrad(cg));
    }
  }

  @Override
  public void updateSkipped(long step, List<String> clients, String reason) {
    // The baselines' clients drop a pending step at the next StepBegin; nothing to send.
  }

  private static Duration remaining(Deadline d) {
    return Duration.ofNanos(d.remainingNanos());
  }

  private static String who(String client, long step) {
    return "client '" + client + "' step " + step;
  }
}
