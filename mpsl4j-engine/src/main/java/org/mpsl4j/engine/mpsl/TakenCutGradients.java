package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.mpsl4j.core.cut.CutGradient;
import org.mpsl4j.core.data.BatchTensors;
import org.mpsl4j.core.step.ClientSplitStep;
import org.mpsl4j.core.step.StackedPatchTokenizers;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.v1.ServerMessage;

/**
 * The cut gradients of {@link StackedClients}' step between the frames that bring them and the one update that
 * applies them all ({@link StackedPatchTokenizers#step}): each frame's gradients decoded into one tensor as they come,
 * each lane's batch moved out of its client's step scope, and at {@link #apply} one stacked forward with a graph, one
 * backward and one Adam update. One frame at a time.
 */
final class TakenCutGradients implements AutoCloseable {
  private final List<MpslClient> clients;
  private final StackedPatchTokenizers stack;
  private final NDManager manager;
  /**
   * Cut gradients taken by the stack and not yet applied, by lane, with their batches: a phase's CutGrads may
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

  TakenCutGradients(List<MpslClient> clients, StackedPatchTokenizers stack, NDManager manager) {
    this.clients = clients;
    this.stack = stack;
    this.manager = manager;
  }

  /**
   * Takes the frame's CutGrads for the stack: each client finds its update applied ({@link ClientSplitStep#markApplied})
   * and the stack applies it with the others of its step at {@link #apply}. The gradients that fit (checked
   * without decoding, {@link WireClientStep#stackableCutGrad}) are decoded into one tensor and their values checked
   * once; should that check fail, each is decoded on its own and only those that pass are taken. A gradient the stack
   * does not take (malformed, no pending batch, another shape) is left to the client's own path, which reports it.
   */
  void take(List<Integer> lanes, Map<Integer, List<ServerMessage>> byLane) {
    List<Integer> fit = new ArrayList<>();
    List<ServerMessage> messages = new ArrayList<>();
    List<org.mpsl4j.protocol.v1.Tensor> values = new ArrayList<>();
    boolean again = false;
    for (int lane : lanes) {
      ServerMessage m = StackedClients.messageOf(byLane, lane, ServerMessage.BodyCase.CUT_GRAD);
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
      apply(); // a second step's gradient before the first was applied: keep their order
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
  void apply() {
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

  @Override
  public void close() {
    if (takenScope != null) {
      takenScope.close();
      takenScope = null;
    }
  }
}
