package org.mpsl4j.engine.baselines;

import ai.djl.ndarray.NDManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.EpochEnd;
import org.mpsl4j.protocol.v1.Outputs;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.StepBegin;

/**
 * The split-learning exchanges shared by SplitFed v1/v2 and sequential SL, over a {@link Grid}. A
 * step: StepBegin ↓ to every client in {@code parts}, Activations (or NoData) ↑, each client's
 * activations through <em>its</em> server part, Outputs ↓ (total batch = its own batch, so its
 * gradient is that of its own mean loss), OutputGrad ↑, backward + optimizer step of that part,
 * CutGrad ↓. Clients that miss the deadline sit the step out.
 */
final class SplitSteps {
  private SplitSteps() {}

  /** Figures of one or more steps, summed. */
  static final class Tally {
    long samples;
    double lossSum;
    int missed;
    int steps;

    double meanLoss() {
      return samples == 0 ? Double.NaN : lossSum / samples;
    }
  }

  /** Runs one step; {@code parts} maps each participating client to the server part that serves it. */
  static void step(Grid grid, Map<String, ServerPart> parts, int epoch, int stepInEpoch, float lr, Duration deadline,
      Tally tally) throws InterruptedException {
    long step = grid.nextStep();
    for (String c : parts.keySet()) {
      grid.send(c, step, ServerMessage.newBuilder()
          .setStepBegin(StepBegin.newBuilder().setEpoch(epoch).setStepInEpoch(stepInEpoch).setLearningRate(lr)));
    }
    Map<String, ClientMessage> up = grid.collect(step, parts.keySet(),
        EnumSet.of(ClientMessage.BodyCase.ACTIVATIONS, ClientMessage.BodyCase.NO_DATA), deadline);
    tally.missed += parts.size() - up.size();
    try (NDManager scope = NDManager.newBaseManager()) {
      Map<String, ServerPart.Forward> forwards = new LinkedHashMap<>();
      for (Map.Entry<String, ClientMessage> e : up.entrySet()) {
        if (e.getValue().hasNoData()) {
          continue;
        }
        ServerPart part = parts.get(e.getKey());
        part.setLearningRate(lr);
        ServerPart.Forward f = part.forward(e.getValue().getActivations(), scope, who(e.getKey(), step));
        forwards.put(e.getKey(), f);
        grid.send(e.getKey(), step, ServerMessage.newBuilder().setOutputs(Outputs.newBuilder()
            .setValues(org.mpsl4j.protocol.TensorCodec.encode(f.outputs())).setTotalBatch(f.batch())));
      }
      if (forwards.isEmpty()) {
        return;
      }
      Map<String, ClientMessage> grads = grid.collect(step, forwards.keySet(),
          EnumSet.of(ClientMessage.BodyCase.OUTPUT_GRAD), deadline);
      tally.missed += forwards.size() - grads.size();
      tally.steps++;
      for (Map.Entry<String, ClientMessage> e : grads.entrySet()) {
        ServerPart.Forward f = forwards.get(e.getKey());
        var cut = parts.get(e.getKey()).backward(f, e.getValue().getOutputGrad(), scope, who(e.getKey(), step));
        grid.send(e.getKey(), step, ServerMessage.newBuilder().setCutGrad(cut));
        tally.samples += f.batch();
        tally.lossSum += (double) e.getValue().getOutputGrad().getLoss() * f.batch();
      }
    }
  }

  /** Asks {@code clients} for their client parts (EpochEnd ↓, model_update ↑); returns the replies that came. */
  static Map<String, ClientMessage> collectClientParts(Grid grid, List<String> clients, int epoch, Duration deadline)
      throws InterruptedException {
    long step = grid.nextStep();
    for (String c : clients) {
      grid.send(c, step, ServerMessage.newBuilder().setEpochEnd(EpochEnd.newBuilder().setEpoch(epoch)));
    }
    return grid.collect(step, new ArrayList<>(clients), EnumSet.of(ClientMessage.BodyCase.MODEL_UPDATE), deadline);
  }

  private static String who(String client, long step) {
    return "client '" + client + "' step " + step;
  }
}
