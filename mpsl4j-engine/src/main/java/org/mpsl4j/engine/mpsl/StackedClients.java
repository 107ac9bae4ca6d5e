package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mpsl4j.core.cut.CutGradient;
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
 * the clients one by one, the tokenizer work of all its {@code StepBegin}s is one stacked forward and that of all its
 * {@code CutGrad}s one stacked forward-with-graph, backward and Adam update ({@link StackedPatchTokenizers}). Each
 * client then handles its messages as always (its batch, labels, loss, defenses, codecs and replies are its own; the
 * wire carries one lane per client as before) but finds its activations supplied and its update applied.
 *
 * <p>The stack holds the clients' tokenizers while they train. A client that gets any other message (epoch end,
 * averages, evaluation) is written from its slice first and read back after, so what it uploads, evaluates or is sent
 * is its own. Decided once, at the first step: clients whose setup the stack does not cover ({@link #refusal}: model,
 * FedSGD on a shared tokenizer, client checkpoints) keep the per-client path for the whole run. Its optimizer moments
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
  /**
   * Cut gradients taken by the stack and not yet applied, by lane, with copies of their batches: a phase's CutGrads may
   * come in several frames (the server cuts frames by size and by a short gathering window), and one update for all
   * of them, applied when a later message needs the clients' state, is one stacked forward, backward and (every client
   * in) one fused Adam instead of one masked pass over the whole stack per frame.
   */
  private final Map<Integer, Taken> taken = new java.util.TreeMap<>();
  /** The taken lanes' batches (moved out of their clients' step scopes into {@link #takenScope}). */
  private final Map<Integer, NDArray> takenInputs = new java.util.TreeMap<>();
  /** Each frame's cut gradients decoded into one tensor, in the frame's lane order. */
  private final List<NDArray> takenFrames = new ArrayList<>();
  private NDManager takenScope;
  private float takenRate;

  /** Where a lane's gradient is: rows of a frame's joined tensor, or its own tensor ({@code own}, frame -1). */
  private record Taken(NDArray own, int frame, int row, int rows) {}

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
      return;
    }
    List<Integer> begins = new ArrayList<>();
    List<Integer> outputs = new ArrayList<>();
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
          case OUTPUTS -> {
            if (!other) {
              outputs.add(lane);
            }
          }
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
      take(cuts, byLane);
    }
    if (needsState) {
      applyTaken();
    }
    // After the update: a frame [CutGrad, EpochEnd] must upload the updated slice (and read it back after).
    for (int lane : synced) {
      stack.writeTo(lane, clients.get(lane).wireStep().core().model());
    }
    if (!begins.isEmpty()) {
      forward(begins, byLane);
    }
    if (outputs.size() > 1 && classification) {
      losses(outputs, byLane);
    }
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
      ServerMessage m = byLane.get(lane).stream()
          .filter(x -> x.getBodyCase() == ServerMessage.BodyCase.OUTPUTS).findFirst().orElseThrow();
      WireClientStep wire = clients.get(lane).wireStep();
      if (wire.stackableOutputs(m.getStep(), m.getOutputs(), classes) == null
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

  /**
   * Takes the frame's CutGrads for the stack: each client finds its update applied ({@link ClientSplitStep#markApplied})
   * and the stack applies it with the others of its step at {@link #applyTaken}. The gradients that fit (checked
   * without decoding, {@link WireClientStep#stackableCutGrad}) are decoded into one tensor and their values checked
   * once; should that check fail, each is decoded on its own and only those that pass are taken. A gradient the stack
   * does not take (malformed, no pending batch, another shape) is left to the client's own path, which reports it.
   */
  private void take(List<Integer> lanes, Map<Integer, List<ServerMessage>> byLane) {
    List<Integer> fit = new ArrayList<>();
    List<ServerMessage> messages = new ArrayList<>();
    List<org.mpsl4j.protocol.v1.Tensor> values = new ArrayList<>();
    boolean again = false;
    for (int lane : lanes) {
      ServerMessage m = byLane.get(lane).stream()
          .filter(x -> x.getBodyCase() == ServerMessage.BodyCase.CUT_GRAD).findFirst().orElseThrow();
      WireClientStep wire = clients.get(lane).wireStep();
      BatchTensors t = wire.core().pendingBatch(m.getStep());
      org.mpsl4j.protocol.v1.Tensor g = t == null ? null
          : wire.stackableCutGrad(m.getCutGrad(), stack.activationShape(t.labels().getShape().get(0)));
      if (g != null) {
        again |= taken.containsKey(lane);
        fit.add(lane);
        messages.add(m);
        values.add(g);
      }
    }
    if (fit.isEmpty()) {
      return;
    }
    if (again) {
      applyTaken(); // a second step's gradient before the first was applied: keep their order
    }
    if (takenScope == null) {
      takenScope = manager.newSubManager();
    }
    NDArray joined = TensorCodec.decodeJoined(values, takenScope);
    if (!ClientTensors.valuesOk(joined)) {
      joined.close();
      for (int i = 0; i < fit.size(); i++) {
        takeOne(fit.get(i), messages.get(i));
      }
      return;
    }
    takenFrames.add(joined);
    int row = 0;
    for (int i = 0; i < fit.size(); i++) {
      int rows = (int) values.get(i).getShape(0);
      keep(fit.get(i), messages.get(i), new Taken(null, takenFrames.size() - 1, row, rows));
      row += rows;
    }
  }

  /** One CutGrad decoded and checked on its own (a frame whose joined values failed the check): taken if it passes. */
  private void takeOne(int lane, ServerMessage m) {
    WireClientStep wire = clients.get(lane).wireStep();
    CutGradient g;
    try {
      g = wire.cutGradient(m.getCutGrad());
    } catch (RuntimeException bad) {
      return; // the client's own path decodes it again and reports what is wrong
    }
    NDArray own = g.values(0);
    own.attach(takenScope);
    keep(lane, m, new Taken(own, -1, 0, (int) own.getShape().get(0)));
  }

  /** Moves the lane's batch into the taken scope (its pending step is freed once the client handled the message). */
  private void keep(int lane, ServerMessage m, Taken t) {
    ClientSplitStep step = clients.get(lane).wireStep().core();
    NDArray input = step.pendingBatch(m.getStep()).inputs().values().iterator().next();
    input.attach(takenScope);
    takenInputs.put(lane, input);
    taken.put(lane, t);
    takenRate = clients.get(lane).wireStep().optimizer().learningRate();
    step.markApplied(m.getStep());
  }

  /**
   * Applies the taken cut gradients: one stacked forward with a graph, one backward, one Adam update. The gradients'
   * rows are put in the forward's (lane) order by one gather, none when the frames came in that order already.
   */
  private void applyTaken() {
    if (taken.isEmpty()) {
      return;
    }
    List<NDArray> inputs = new ArrayList<>(java.util.Collections.nCopies(clients.size(), null));
    boolean[] counted = new boolean[clients.size()];
    takenInputs.forEach((lane, input) -> {
      inputs.set(lane, input);
      counted[lane] = true;
    });
    try (NDManager scope = manager.newSubManager()) {
      NDList parts = new NDList();
      int[] frameStart = new int[takenFrames.size()];
      int rows = 0;
      for (int f = 0; f < takenFrames.size(); f++) {
        frameStart[f] = rows;
        parts.add(takenFrames.get(f));
        rows += (int) takenFrames.get(f).getShape().get(0);
      }
      List<Integer> ownStart = new ArrayList<>();
      for (Taken t : taken.values()) {
        if (t.own() != null) {
          parts.add(t.own());
          ownStart.add(rows);
          rows += t.rows();
        }
      }
      long[] order = new long[rows];
      int at = 0;
      int own = 0;
      boolean inOrder = true;
      for (Taken t : taken.values()) { // lanes ascending: the forward's order
        long from = t.own() != null ? ownStart.get(own++) : frameStart[t.frame()] + t.row();
        for (int k = 0; k < t.rows(); k++, at++) {
          order[at] = from + k;
          inOrder &= order[at] == at;
        }
      }
      NDArray all = parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 0);
      NDArray joined = inOrder ? all : all.get(new NDIndex("{}", scope.create(order)));
      stack.step(stack.forward(inputs, scope, true), joined, counted, takenRate, scope);
    } finally {
      taken.clear();
      takenInputs.clear();
      takenFrames.clear();
      takenScope.close();
      takenScope = null;
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
      ServerMessage m = byLane.get(lane).stream()
          .filter(x -> x.getBodyCase() == ServerMessage.BodyCase.STEP_BEGIN).findFirst().orElseThrow();
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
    ModelConfig config = models.get(0).config();
    classification = Objective.of(config.head()) == Objective.CLASSIFICATION;
    classes = config.head().outputs();
    stack = new StackedPatchTokenizers(manager, models);
  }

  @Override
  public void close() {
    if (takenScope != null) {
      takenScope.close();
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
