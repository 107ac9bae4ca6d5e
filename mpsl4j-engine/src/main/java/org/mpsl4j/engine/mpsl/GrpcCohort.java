package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.mpsl4j.core.cut.CutActivations;
import org.mpsl4j.core.cut.CutGradient;
import org.mpsl4j.core.cut.CutOutputs;
import org.mpsl4j.core.cut.OutputGradient;
import org.mpsl4j.core.port.Arrivals;
import org.mpsl4j.core.port.Cohort;
import org.mpsl4j.core.port.Deadline;
import org.mpsl4j.core.port.StepPlan;
import org.mpsl4j.protocol.v1.ErrorCode;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.StepBegin;

/**
 * The gRPC side of the transport port: the step's records go out as {@code mpsl.proto} messages on
 * the clients' sessions, and what comes back is checked ({@link StepPhases}) before it becomes a
 * record. Admission, sessions, limits and rejections stay here, behind the port. A step's sessions
 * are fixed when it asks for {@link #participants}: a client that reconnects mid-step joins the next.
 */
final class GrpcCohort implements Cohort {
  private final Supplier<List<Session>> connected;
  private final StepPhases phases;
  private Map<String, Session> current = Map.of();

  GrpcCohort(Supplier<List<Session>> connected, StepPhases phases) {
    this.connected = connected;
    this.phases = phases;
  }

  @Override
  public List<String> participants() {
    Map<String, Session> now = new LinkedHashMap<>();
    for (Session s : connected.get()) {
      now.put(s.clientId, s);
    }
    current = now;
    return List.copyOf(now.keySet());
  }

  /** The sessions of the current step by client id (as of the last {@link #participants}). */
  Map<String, Session> sessions() {
    return current;
  }

  @Override
  public Arrivals<CutActivations> activations(StepPlan plan, List<String> clients, NDManager scope,
      Deadline deadline) throws InterruptedException {
    List<Session> expected = new ArrayList<>();
    for (String id : clients) {
      Session s = current.get(id);
      s.send(ServerMessage.newBuilder().setSessionId(s.id).setStep(plan.step()).setStepBegin(StepBegin.newBuilder()
          .setEpoch(plan.epoch()).setStepInEpoch(plan.stepInEpoch()).setLearningRate(plan.clientLearningRate())).build());
      expected.add(s);
    }
    return phases.gatherActivations(plan.step(), expected, scope, deadline);
  }

  @Override
  public Arrivals<OutputGradient> outputGradients(long step, List<CutOutputs> outputs, NDManager scope,
      Deadline deadline) throws InterruptedException {
    CutLayerReplies.sendOutputs(step, outputs, current, false);
    return phases.gatherOutputGrads(step, outputs, current, scope, deadline);
  }

  @Override
  public void cutGradients(long step, List<CutGradient> gradients) {
    CutLayerReplies.sendCutGrads(step, gradients, current);
  }

  @Override
  public void updateSkipped(long step, List<String> clients, String reason) {
    for (String id : clients) {
      current.get(id).error(step, ErrorCode.MALFORMED_TENSOR, reason);
    }
  }
}
