package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mpsl4j.core.cut.CutGradient;
import org.mpsl4j.core.data.BatchTensors;
import org.mpsl4j.core.port.StepPlan;
import org.mpsl4j.core.step.ClientSplitStep;
import org.mpsl4j.core.step.StackedPatchTokenizers;
import org.mpsl4j.model.ClientModel;
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

  public StackedClients(List<MpslClient> clients) {
    this.clients = List.copyOf(clients);
  }

  /** Why these clients compute one by one, or null while they are stacked (or before the first step). */
  public String refusal() {
    return refusal;
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
    List<NDArray> inputs = new ArrayList<>(java.util.Collections.nCopies(clients.size(), null));
    List<NDArray> grads = new ArrayList<>(java.util.Collections.nCopies(clients.size(), null));
    long[] gradStep = new long[clients.size()];
    List<Integer> begins = new ArrayList<>();
    float lr = 0;
    for (Map.Entry<Integer, List<ServerMessage>> e : byLane.entrySet()) {
      int lane = e.getKey();
      ClientSplitStep step = clients.get(lane).wireStep().core();
      boolean other = false;
      for (ServerMessage m : e.getValue()) {
        switch (m.getBodyCase()) {
          case CUT_GRAD -> {
            BatchTensors t = step.pendingBatch(m.getStep());
            CutGradient g = null;
            try {
              g = t == null ? null : clients.get(lane).wireStep().cutGradient(m.getCutGrad());
            } catch (RuntimeException bad) {
              // left to the client's own path, which reports it on its lane
            }
            if (g != null && g.inputs() == 1 && stack.fits(g.values(0), t.labels().getShape().get(0))) {
              inputs.set(lane, t.inputs().values().iterator().next());
              grads.set(lane, g.values(0));
              gradStep[lane] = m.getStep();
              lr = clients.get(lane).wireStep().optimizer().learningRate();
            }
          }
          case STEP_BEGIN -> {
            // After another message in the same frame (an average sent down), this client's forward is its own.
            if (!other) {
              begins.add(lane);
            }
          }
          case OUTPUTS -> { }
          default -> other = true;
        }
      }
      if (other) {
        synced.add(lane);
      }
    }
    if (grads.stream().anyMatch(java.util.Objects::nonNull)) {
      try (NDManager scope = manager.newSubManager()) {
        StackedPatchTokenizers.Forward f = stack.forward(inputs, scope, true);
        boolean[] applied = stack.step(f, grads, lr, scope);
        for (int i = 0; i < applied.length; i++) {
          if (applied[i]) {
            clients.get(i).wireStep().core().markApplied(gradStep[i]);
          }
        }
      }
    }
    // After the update: a frame [CutGrad, EpochEnd] must upload the updated slice (and read it back after).
    for (int lane : synced) {
      stack.writeTo(lane, clients.get(lane).wireStep().core().model());
    }
    if (!begins.isEmpty()) {
      forward(begins, byLane);
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
    stack = new StackedPatchTokenizers(manager, models);
  }

  @Override
  public void close() {
    if (forwardScope != null) {
      forwardScope.close();
    }
    if (stack != null) {
      stack.close();
    }
    manager.close();
  }
}
