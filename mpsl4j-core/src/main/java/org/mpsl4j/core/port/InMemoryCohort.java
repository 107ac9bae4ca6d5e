package org.mpsl4j.core.port;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.mpsl4j.core.cut.CutActivations;
import org.mpsl4j.core.cut.CutGradient;
import org.mpsl4j.core.cut.CutOutputs;
import org.mpsl4j.core.cut.OutputGradient;
import org.mpsl4j.core.step.ClientSplitStep;
import org.mpsl4j.model.tokenizer.Tokens;

/**
 * The in-memory port: the server's step calls each client's {@link ClientSplitStep} directly, on the
 * training thread, one client after another. What crosses the cut is handed over detached from the
 * sender's graph, as a wire would: the server's backward never reaches a client's tokenizers, and a
 * client's loss never reaches the server model. No encoding, no copies, nothing to wait for, so
 * deadlines never pass here; dropouts are tested by wrapping a cohort.
 *
 * <p>The caller owns the clients (and closes them). Clients may join and leave between steps.
 */
public final class InMemoryCohort implements Cohort {
  private final Map<String, ClientSplitStep> clients = new TreeMap<>();

  public InMemoryCohort(List<ClientSplitStep> clients) {
    clients.forEach(this::join);
  }

  /** Adds a client; it takes part from the next step on. */
  public void join(ClientSplitStep client) {
    if (clients.putIfAbsent(client.clientId(), client) != null) {
      throw new IllegalArgumentException("client '" + client.clientId() + "' already joined");
    }
  }

  /** Removes a client; it takes part in no later step. */
  public void leave(String clientId) {
    clients.remove(clientId);
  }

  /** The joined client with this id. */
  public ClientSplitStep client(String clientId) {
    ClientSplitStep c = clients.get(clientId);
    if (c == null) {
      throw new IllegalArgumentException("no client '" + clientId + "'; joined: " + clients.keySet());
    }
    return c;
  }

  @Override
  public List<String> participants() {
    return List.copyOf(clients.keySet());
  }

  @Override
  public Arrivals<CutActivations> activations(StepPlan plan, List<String> ids, NDManager scope, Deadline deadline) {
    List<CutActivations> out = new ArrayList<>();
    for (String id : ids) {
      CutActivations a = client(id).begin(plan);
      if (a != null) {
        List<Tokens> detached = new ArrayList<>();
        for (Tokens t : a.inputs()) {
          detached.add(new Tokens(handOver(t.values(), scope), t.mask() == null ? null : handOver(t.mask(), scope)));
        }
        out.add(new CutActivations(id, a.batch(), detached));
      }
    }
    return Arrivals.all(out);
  }

  /**
   * The array as the server receives it: detached from the client's graph and owned by the server's
   * step scope (the client frees its own step's arrays when it applies its cut gradient, before the
   * server is done with the step).
   */
  private static NDArray handOver(NDArray clientArray, NDManager scope) {
    NDArray a = clientArray.stopGradient();
    a.attach(scope);
    return a;
  }

  @Override
  public Arrivals<OutputGradient> outputGradients(long step, List<CutOutputs> outputs, NDManager scope,
      Deadline deadline) {
    List<OutputGradient> out = new ArrayList<>();
    for (CutOutputs o : outputs) {
      CutOutputs detached = new CutOutputs(o.client(), o.all().stopGradient(), o.row(), o.batch(), o.totalBatch());
      out.add(client(o.client()).outputGradient(step, detached));
    }
    return Arrivals.all(out);
  }

  @Override
  public void cutGradients(long step, List<CutGradient> gradients) {
    for (CutGradient g : gradients) {
      client(g.client()).applyCutGradient(step, g);
    }
  }

  @Override
  public void updateSkipped(long step, List<String> clients, String reason) {
    for (String id : clients) {
      client(id).drop();
    }
  }
}
