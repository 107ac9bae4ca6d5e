package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mpsl4j.core.data.BatchTensors;
import org.mpsl4j.core.port.StepPlan;
import org.mpsl4j.core.step.ClientSplitStep;
import org.mpsl4j.core.step.StackedCrossEntropy;
import org.mpsl4j.core.step.StackedPatchTokenizers;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.train.Objective;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.v1.OutputGrad;
import org.mpsl4j.model.tokenizer.Tokens;
import org.mpsl4j.protocol.v1.ServerMessage;

/**
 * Stacked compute for the {@link MpslClient}s of one host (issue 18): before a frame of server messages is handed to
 * the clients one by one, the tokenizer work of all its {@code StepBegin}s is one stacked forward, the plain loss of
 * all its {@code Outputs} one pass ({@link StackedCrossEntropy}), and a step's {@code CutGrad}s one stacked
 * forward-with-graph, backward and Adam update ({@link TakenCutGradients}, {@link StackedPatchTokenizers}). Each
 * client then handles its messages as always (its batch, labels, defenses, codecs and replies are its own; the wire
 * carries one lane per client as before) but finds its activations supplied, its output gradient ready and its update
 * applied.
 *
 * <p>The stack holds the clients' tokenizers while they train. A client that gets any other message (epoch end,
 * averages, evaluation) is written from its slice first and read back after, so what it uploads, evaluates or is sent
 * is its own. Decided once, at the first step: clients whose setup the stack does not cover ({@link #refusal}: model,
 * FedSGD on a shared tokenizer, client checkpoints) keep the per-client path for the whole run, all but the loss,
 * which is stacked for any model whose head is on the server. Its optimizer moments
 * live in the stack: {@link MpslClient#optimizer()} of a stacked client does not count its steps. One frame at a time.
 */
public final class StackedClients implements AutoCloseable {
  private final List<MpslClient> clients;
  private final NDManager manager = NDManager.newBaseManager();
  private StackedPatchTokenizers stack;
  private String refusal;
  private boolean decided;
  /** The last StepBegin forward's output (the clients' activations are rows of it), freed at the next one. */
  private NDManager forwardScope;
  private final Set<Integer> synced = new HashSet<>();
  /** Whether the clients' loss is cross-entropy over {@link #classes} logits (their Outputs can be answered stacked). */
  private boolean classification;
  private long classes;
  private long stackedLosses;
  /** A step's cut gradients, taken from however many frames bring them, applied together. */
  private TakenCutGradients taken;

  public StackedClients(List<MpslClient> clients) {
    this.clients = List.copyOf(clients);
  }

  /** Why these clients compute one by one, or null while they are stacked (or before the first step). */
  public String refusal() {
    return refusal;
  }

  /** How many Outputs the clients answered with the loss computed for many at once ({@link StackedCrossEntropy}). */
  public long stackedLosses() {
    return stackedLosses;
  }

  /** Whether the stack is in use. */
  public boolean active() {
    return stack != null;
  }

  /** Runs the stacked phases of a frame: {@code byLane} maps a lane (client index) to its messages in order. */
  public void beforeFrame(Map<Integer, List<ServerMessage>> byLane) {
    if (!decided && byLane.values().stream().flatMap(List::stream)
        .anyMatch(m -> m.getBodyCase() == ServerMessage.BodyCase.STEP_BEGIN)) {
      decide();
    }
    if (stack == null) {
      if (classification) { // the loss needs no stack
        losses(outputLanes(byLane), byLane);
      }
      return;
    }
    List<Integer> begins = new ArrayList<>();
    List<Integer> cuts = new ArrayList<>();
    boolean needsState = false;
    for (Map.Entry<Integer, List<ServerMessage>> e : byLane.entrySet()) {
      int lane = e.getKey();
      boolean other = false;
      for (ServerMessage m : e.getValue()) {
        switch (m.getBodyCase()) {
          case CUT_GRAD -> {
            if (cuts.isEmpty() || cuts.get(cuts.size() - 1) != lane) { // a second: the client's own path refuses it
              cuts.add(lane);
            }
          }
          case STEP_BEGIN -> {
            needsState = true;
            // After another message in the same frame (an average sent down), this client's forward is its own.
            if (!other) {
              begins.add(lane);
            }
          }
          case OUTPUTS -> { }
          default -> {
            other = true;
            needsState = true;
          }
        }
      }
      if (other) {
        synced.add(lane);
      }
    }
    if (!cuts.isEmpty()) {
      taken.take(cuts, byLane);
    }
    if (needsState) {
      taken.apply();
    }
    // After the update: a frame [CutGrad, EpochEnd] must upload the updated slice (and read it back after).
    for (int lane : synced) {
      stack.writeTo(lane, clients.get(lane).wireStep().core().model());
    }
    if (!begins.isEmpty()) {
      forward(begins, byLane);
    }
    if (classification) {
      losses(outputLanes(byLane), byLane);
    }
  }

  /**
   * The lanes whose Outputs no other message precedes in the frame (after one, an average sent down say, the client
   * answers on its own).
   */
  private static List<Integer> outputLanes(Map<Integer, List<ServerMessage>> byLane) {
    List<Integer> lanes = new ArrayList<>();
    byLane.forEach((lane, ms) -> {
      for (ServerMessage m : ms) {
        ServerMessage.BodyCase kind = m.getBodyCase();
        if (kind == ServerMessage.BodyCase.OUTPUTS) {
          lanes.add(lane);
        }
        if (kind != ServerMessage.BodyCase.CUT_GRAD && kind != ServerMessage.BodyCase.STEP_BEGIN) {
          return;
        }
      }
    });
    return lanes;
  }

  /** The first message of {@code kind} in the lane's part of a frame (the caller saw one there). */
  static ServerMessage messageOf(Map<Integer, List<ServerMessage>> byLane, int lane, ServerMessage.BodyCase kind) {
    return byLane.get(lane).stream().filter(x -> x.getBodyCase() == kind).findFirst().orElseThrow();
  }

  /**
   * The plain loss of every lane whose Outputs the stack can answer ({@link WireClientStep#stackableOutputs}), in one
   * pass ({@link StackedCrossEntropy}); each client then finds its reply ready. Lanes that do not fit (defenses,
   * another shape, a malformed tensor), and all of them when any value is not finite or a label out of range, are
   * left to the clients' own path, which reports what is wrong on its lane.
   */
  private void losses(List<Integer> lanes, Map<Integer, List<ServerMessage>> byLane) {
    List<Integer> fit = new ArrayList<>();
    List<org.mpsl4j.protocol.v1.Tensor> values = new ArrayList<>();
    List<NDArray> labels = new ArrayList<>();
    long[] steps = new long[lanes.size()];
    int totalBatch = -1;
    for (int lane : lanes) {
      ServerMessage m = messageOf(byLane, lane, ServerMessage.BodyCase.OUTPUTS);
      WireClientStep wire = clients.get(lane).wireStep();
      if (!wire.stackableOutputs(m.getStep(), m.getOutputs(), classes)
          || (totalBatch >= 0 && m.getOutputs().getTotalBatch() != totalBatch)) {
        continue;
      }
      totalBatch = m.getOutputs().getTotalBatch();
      steps[fit.size()] = m.getStep();
      fit.add(lane);
      values.add(m.getOutputs().getValues());
      labels.add(wire.core().pendingBatch(m.getStep()).labels());
    }
    if (fit.size() < 2) {
      return;
    }
    int[] rows = new int[fit.size()];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = (int) values.get(i).getShape(0);
    }
    try (NDManager scope = manager.newSubManager()) {
      NDArray logits = TensorCodec.decodeJoined(values, scope);
      if (!ClientTensors.valuesOk(logits)) {
        return;
      }
      NDArray joinedLabels = NDArrays.concat(new NDList(labels.toArray(NDArray[]::new)));
      joinedLabels.attach(scope);
      StackedCrossEntropy.Result r = StackedCrossEntropy.apply(logits, joinedLabels, rows, totalBatch, scope);
      if (r == null) {
        return;
      }
      List<org.mpsl4j.protocol.v1.Tensor> grads = TensorCodec.encodeRows(r.gradient(), rows);
      for (int i = 0; i < rows.length; i++) {
        clients.get(fit.get(i)).wireStep().supplyOutputGrad(steps[i], OutputGrad.newBuilder().setGrad(grads.get(i))
            .setLoss(r.losses()[i]).setCorrect(r.correct()[i]).build());
      }
      stackedLosses += rows.length;
    }
  }

  /** Reads back the slices of clients that handled other messages (e.g. an average they were sent). */
  public void afterFrame() {
    for (int lane : synced) {
      stack.readFrom(lane, clients.get(lane).wireStep().core().model());
    }
    synced.clear();
  }

  private void forward(List<Integer> begins, Map<Integer, List<ServerMessage>> byLane) {
    if (forwardScope != null) {
      forwardScope.close();
    }
    forwardScope = manager.newSubManager();
    List<NDArray> inputs = new ArrayList<>(java.util.Collections.nCopies(clients.size(), null));
    long[] steps = new long[clients.size()];
    for (int lane : begins) {
      ServerMessage m = messageOf(byLane, lane, ServerMessage.BodyCase.STEP_BEGIN);
      StepPlan plan = new StepPlan(m.getStep(), m.getStepBegin().getEpoch(), m.getStepBegin().getStepInEpoch(),
          m.getStepBegin().getLearningRate());
      BatchTensors t = clients.get(lane).wireStep().core().prepare(plan);
      if (t != null) {
        inputs.set(lane, t.inputs().values().iterator().next());
        steps[lane] = plan.step();
      }
    }
    StackedPatchTokenizers.Forward f = stack.forward(inputs, forwardScope, false);
    for (int lane : begins) {
      NDArray a = f.activations().get(lane);
      if (a != null) {
        clients.get(lane).wireStep().core().supply(steps[lane], List.of(new Tokens(a, null)));
      }
    }
  }

  private void decide() {
    decided = true;
    ModelConfig config = clients.get(0).wireStep().core().model().config();
    // The clients' loss of the server's logits is the same computation whatever runs before the cut, so it is stacked
    // also where the tokenizers are not (text, client blocks, FedSGD); a client-side head computes its own.
    classification = !config.head().onClient() && Objective.of(config.head()) == Objective.CLASSIFICATION
        && clients.stream().allMatch(c -> c.wireStep().core().model().config().equals(config));
    classes = config.head().outputs();
    for (MpslClient c : clients) {
      ClientSplitStep step = c.wireStep().core();
      String why = StackedPatchTokenizers.unsupported(step.model().config());
      if (why == null && !step.ownsTokenizer()) {
        why = "FedSGD on a shared tokenizer (--tokenizer-sync gradients)";
      }
      if (why == null && c.checkpoints()) {
        why = "client checkpoints (their optimizer state would be the per-client one)";
      }
      if (why == null && !step.model().config().equals(clients.get(0).wireStep().core().model().config())) {
        why = "the clients' models differ";
      }
      if (why != null) {
        refusal = "client '" + step.clientId() + "': " + why;
        return;
      }
    }
    List<ClientModel> models = new ArrayList<>();
    clients.forEach(c -> models.add(c.wireStep().core().model()));
    stack = new StackedPatchTokenizers(manager, models);
    taken = new TakenCutGradients(clients, stack, manager);
  }

  @Override
  public void close() {
    if (taken != null) {
      taken.close();
    }
    if (forwardScope != null) {
      forwardScope.close();
    }
    if (stack != null) {
      stack.close();
    }
    manager.close();
  }
}
