package org.mpsl4j.core.step;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.List;
import org.mpsl4j.core.cut.CutActivations;
import org.mpsl4j.core.cut.CutGradient;
import org.mpsl4j.core.cut.CutOutputs;
import org.mpsl4j.core.cut.OutputGradient;
import org.mpsl4j.core.data.BatchTensors;
import org.mpsl4j.core.data.EpochOrder;
import org.mpsl4j.core.data.SpreadBatches;
import org.mpsl4j.core.port.StepPlan;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.tokenizer.Tokens;
import org.mpsl4j.model.train.Adam;

/**
 * A client's half of one split-learning step, shared by MPSL, SplitFed v1/v2 and sequential SL:
 * {@link #begin} → activations of its next mini-batch (its tokenizers' forward pass); {@link
 * #outputGradient} → the loss of its outputs with its own labels and gᵢ = (bᵢ/B)·∂Lᵢ/∂Zᵢ; {@link
 * #applyCutGradient} → backward into the tokenizers and one step of its own optimizer.
 *
 * <p>Between {@code begin} and the cut gradient the step's tensors live in a sub-manager of the
 * client's manager ({@link #stepScope}); a new {@code begin} drops a step the server gave up on, so
 * a client whose output gradient did not count takes no optimizer step. Not thread-safe.
 */
public final class ClientSplitStep implements AutoCloseable {
  private final String clientId;
  private final NDManager manager;
  private final ClientModel model;
  private final Adam optimizer;
  private final LabeledDataset data;
  private final int[] indices;
  private final int batchSize;
  /** With spread batches (SpreadBatches), the epoch's steps T its data is sliced over; 0: fixed batches. */
  private int spreadSteps;
  private final long dataSeed;
  private final OutputLoss plainLoss;
  private OutputLoss loss;
  private ClientDefenses defenses = ClientDefenses.NONE;
  private boolean sharedTokenizer;
  /**
   * With a shared tokenizer, the gradients of the row tables (text embeddings held as rows over a shared base) since
   * the last {@link #takeRowGradients}, in this client's manager: a table's gradient lives on its step's leaf, which
   * goes with the step's scope, so it is taken out when the cut gradient has been applied.
   */
  private final java.util.Map<String, org.mpsl4j.model.train.RowGradient> tableGradients =
      new java.util.LinkedHashMap<>();
  private Pending pending;
  /** The last epoch's order: recomputing it every step would copy and shuffle all indices. */
  private int cachedEpoch = -1;
  private int[] cachedOrder;

  /**
   * The state of a step between sending activations and receiving the cut-layer gradient. With stacked compute
   * ({@link #prepare}) the activations come later ({@link #supply}) and the update is done by the group
   * ({@link #markApplied}).
   */
  private record Pending(long step, NDManager scope, List<Tokens> activations, BatchTensors tensors, int batch,
      boolean applied) {
    NDArray labels() {
      return tensors.labels();
    }
  }

  /**
   * @param manager owns the model; each step's tensors live in a sub-manager of it
   * @param indices the client's share of {@code data}
   */
  public ClientSplitStep(String clientId, NDManager manager, ClientModel model, Adam optimizer, LabeledDataset data,
      int[] indices, int batchSize, long dataSeed, OutputLoss loss) {
    if (indices.length == 0) {
      throw new IllegalArgumentException("client '" + clientId + "' has no training samples");
    }
    this.clientId = clientId;
    this.manager = manager;
    this.model = model;
    this.optimizer = optimizer;
    this.data = data;
    this.indices = indices.clone();
    this.batchSize = batchSize;
    this.dataSeed = dataSeed;
    this.plainLoss = loss;
    this.loss = loss;
  }

  /** Applies {@code defenses} to this client's labels, activations, loss, output gradients and reported loss. */
  public void useDefenses(ClientDefenses defenses) {
    this.defenses = java.util.Objects.requireNonNull(defenses, "defenses");
    this.loss = defenses.loss(plainLoss, model);
  }

  /**
   * FedSGD on the tokenizers (docs/GLOBAL_MODEL.md): with {@code shared} true a cut gradient is
   * backpropagated into the tokenizers but no optimizer step follows; the gradients accumulate until
   * {@link #takeGradients} hands them to the server, whose one tokenizer optimizer steps for all clients.
   */
  public void shareTokenizer(boolean shared) {
    this.sharedTokenizer = shared;
  }

  /**
   * The tokenizer gradients accumulated since the last call (zeros where no cut gradient arrived), as
   * handles owned by {@code scope}, and the model's own gradients zeroed.
   */
  public java.util.Map<String, NDArray> takeGradients(NDManager scope) {
    java.util.Map<String, NDArray> out = new java.util.LinkedHashMap<>();
    model.namedParameters().forEach((name, p) -> {
      if (p.isTrainable()) {
        out.put(name, p.gradient(scope).duplicate()); // a copy: zeroing below reuses the gradient's storage
      }
    });
    model.zeroGradients();
    return out;
  }

  /**
   * The gradients of the trainable row tables ({@link org.mpsl4j.model.nn.RowDeltaTable}) accumulated since the last
   * call, by table name, each for the rows its batches used, owned by {@code scope}; a table no batch reached is
   * absent. With a shared tokenizer these go to the server with {@link #takeGradients}'s dense ones.
   */
  public java.util.Map<String, org.mpsl4j.model.train.RowGradient> takeRowGradients(NDManager scope) {
    java.util.Map<String, org.mpsl4j.model.train.RowGradient> out = new java.util.LinkedHashMap<>(tableGradients);
    out.values().forEach(g -> {
      g.rows().attach(scope);
      g.values().attach(scope);
    });
    tableGradients.clear();
    return out;
  }

  /** Moves the row tables' gradients of the step just backpropagated into {@link #tableGradients}. */
  private void harvestTableGradients() {
    model.namedTables().forEach((name, table) -> {
      org.mpsl4j.model.train.RowGradient g = table.takeGradient(manager);
      if (g == null) {
        return;
      }
      org.mpsl4j.model.train.RowGradient before = tableGradients.get(name);
      if (before == null) {
        tableGradients.put(name, g);
        return;
      }
      tableGradients.put(name, org.mpsl4j.model.train.RowGradient.sum(List.of(before, g), manager));
      for (NDArray a : new NDArray[] {before.rows(), before.values(), g.rows(), g.values()}) {
        a.close();
      }
    });
  }

  public String clientId() {
    return clientId;
  }

  public ClientModel model() {
    return model;
  }

  /** The client's optimizer: its step count is the number of updates this client applied. */
  public Adam optimizer() {
    return optimizer;
  }

  /** Training samples of this client. */
  public int samples() {
    return indices.length;
  }

  /** Training steps this client needs for one pass over its data. */
  public int stepsPerEpoch() {
    return spreadSteps > 0 ? spreadSteps : EpochOrder.steps(indices.length, batchSize);
  }

  /**
   * Spread batches ({@link SpreadBatches}): step s takes rows [⌊s·nᵢ/T⌋, ⌊(s+1)·nᵢ/T⌋) of the epoch order, so this
   * client spans all {@code steps} steps of the server's epoch; 0 goes back to fixed batches of the batch size.
   *
   * @throws IllegalArgumentException if a slice would exceed the batch size (the most rows a step may carry)
   */
  public void spreadOver(int steps) {
    if (steps < 0) {
      throw new IllegalArgumentException("steps per epoch must be >= 0 but was " + steps);
    }
    if (steps > 0 && SpreadBatches.largestBatch(indices.length, steps) > batchSize) {
      throw new IllegalArgumentException("client '" + clientId + "': " + indices.length + " samples over " + steps
          + " steps need slices of " + SpreadBatches.largestBatch(indices.length, steps) + " rows, more than its batch "
          + batchSize + "; start server and clients with the same partition and --client-batch");
    }
    spreadSteps = steps;
  }

  /** This client's sample order in an epoch: a seeded shuffle, so a step number names a batch. */
  public int[] epochOrder(int epoch) {
    return EpochOrder.of(indices, dataSeed, epoch);
  }

  /**
   * The activations of the step's mini-batch (live arrays of the pending step, part of its graph), or
   * null when this client's epoch is used up.
   */
  public CutActivations begin(StepPlan plan) {
    if (pending != null && pending.step() == plan.step() && pending.activations() != null && !pending.applied()) {
      return sent(pending.activations()); // forwarded by a stacked group (supply) before this message was handled
    }
    BatchTensors t = prepare(plan);
    if (t == null) {
      return null;
    }
    List<Tokens> acts;
    try (Autograd.Recording r = Autograd.record()) {
      acts = model.forward(t.inputs(), t.masks());
    }
    pending = new Pending(plan.step(), pending.scope(), acts, t, pending.batch(), false);
    return sent(acts);
  }

  /**
   * The step's mini-batch as tensors in the pending step's scope, without the tokenizers' forward pass (stacked
   * compute runs it for many clients at once and hands this client its rows with {@link #supply}); null when this
   * client's epoch is used up (then nothing is pending).
   */
  public BatchTensors prepare(StepPlan plan) {
    drop(); // a step the server gave up on is not resumed
    optimizer.setLearningRate(plan.clientLearningRate());
    if (plan.epoch() != cachedEpoch) {
      cachedOrder = epochOrder(plan.epoch());
      cachedEpoch = plan.epoch();
    }
    int step = plan.stepInEpoch();
    int from;
    int to;
    if (spreadSteps > 0) {
      if (step >= spreadSteps) {
        return null;
      }
      from = SpreadBatches.sliceStart(cachedOrder.length, spreadSteps, step);
      to = SpreadBatches.sliceStart(cachedOrder.length, spreadSteps, step + 1);
    } else {
      from = step * batchSize;
      to = Math.min(cachedOrder.length, from + batchSize);
    }
    if (from >= to) {
      return null;
    }
    int[] batchIdx = Arrays.copyOfRange(cachedOrder, from, to);
    NDManager scope = manager.newSubManager();
    org.mpsl4j.data.Batch batch = data.batch(batchIdx);
    if (defenses != ClientDefenses.NONE) {
      batch = new org.mpsl4j.data.Batch(batch.inputs(), defenses.trainingLabels(batchIdx, batch.labels()));
    }
    BatchTensors t = BatchTensors.of(batch, scope);
    // No zeroing of the tokenizers: their gradients accumulate only in applyCutGradient, which steps (and so
    // zeroes) or zeroes. A client-side head gets its gradient earlier, in outputGradient, so it starts clean.
    if (model.head() != null) {
      model.head().zeroGradients();
    }
    pending = new Pending(plan.step(), scope, null, t, batchIdx.length, false);
    return t;
  }

  /** The activations a stacked group computed for the prepared step {@code step} (rows of its joined output). */
  public void supply(long step, List<Tokens> activations) {
    Pending p = pendingOf(step, "activations");
    pending = new Pending(p.step(), p.scope(), activations, p.tensors(), p.batch(), false);
  }

  /**
   * The cut gradient of the pending step was applied by a stacked group (its backward and this client's slice of
   * its Adam update): {@link #applyCutGradient} then only reports it and ends the step.
   */
  public void markApplied(long step) {
    Pending p = pendingOf(step, "a stacked update");
    pending = new Pending(p.step(), p.scope(), p.activations(), p.tensors(), p.batch(), true);
  }

  /** The mini-batch of pending step {@code step} (a stacked group runs its forward again with a graph), or null. */
  public BatchTensors pendingBatch(long step) {
    return pending != null && pending.step() == step && !pending.applied() ? pending.tensors() : null;
  }

  /** Whether a stacked group applied the cut gradient of pending step {@code step} ({@link #markApplied}). */
  public boolean appliedByGroup(long step) {
    return pending != null && pending.step() == step && pending.applied();
  }

  /**
   * Whether this client's loss is the one it was built with and nothing defends it (no defenses, which may change
   * labels, loss or gradient): a stacked group may then compute it for many clients at once ({@link
   * StackedCrossEntropy}).
   */
  public boolean plainLoss() {
    return defenses == ClientDefenses.NONE && loss == plainLoss;
  }

  /** Whether this client's tokenizers train on their own (not FedSGD on a shared one). */
  public boolean ownsTokenizer() {
    return !sharedTokenizer;
  }

  /** What leaves for the server: the activations, or their defended copies (the backward runs on the originals). */
  private CutActivations sent(List<Tokens> acts) {
    if (defenses == ClientDefenses.NONE) {
      return new CutActivations(clientId, pending.batch(), acts);
    }
    List<Tokens> sent = new java.util.ArrayList<>();
    for (Tokens a : acts) {
      sent.add(new Tokens(defenses.activations(a.values(), pending.scope()), a.mask()));
    }
    return new CutActivations(clientId, pending.batch(), sent);
  }

  /** The scope of the pending step (received tensors are decoded into it), or null. */
  public NDManager stepScope() {
    return pending == null ? null : pending.scope();
  }

  /**
   * The loss of the received outputs against this client's labels, and its gradient weighted by
   * bᵢ/B ({@link CutOutputs#weight}).
   *
   * @throws IllegalStateException if {@code step} is not the pending step
   */
  public OutputGradient outputGradient(long step, CutOutputs outputs) {
    Pending p = pendingOf(step, "outputs");
    OutputLoss.Result r = loss.apply(outputs.values(), p.labels());
    int total = Math.max(1, outputs.totalBatch());
    NDArray weight = p.scope().create((float) p.batch() / total);
    // Defenses act on the gradient of the client's mean loss, before the weight bᵢ/B, so that one that fixes row
    // norms (NormEqualization) fixes them at a scale every client of the step shares.
    NDArray g = defenses.outputGradient(r.gradient(), p.labels(), p.scope()).mul(weight);
    return defenses.reportsLoss() ? new OutputGradient(clientId, g, r.loss(), r.correct())
        : new OutputGradient(clientId, g, 0f, 0);
  }

  /**
   * Backpropagates the cut-layer gradient into the tokenizers and steps the optimizer; a gradient for
   * another step than the pending one is ignored (never applied to another batch).
   *
   * @return whether the gradient was applied
   */
  public boolean applyCutGradient(long step, CutGradient gradient) {
    if (pending == null || pending.step() != step) {
      return false;
    }
    if (pending.applied()) {
      drop();
      return true;
    }
    try {
      if (gradient.inputs() != pending.activations().size()) {
        throw new IllegalStateException("client '" + clientId + "': cut gradient has " + gradient.inputs()
            + " tensors for " + pending.activations().size() + " inputs");
      }
      for (int i = 0; i < gradient.inputs(); i++) {
        Autograd.backward(pending.activations().get(i).values(), gradient.values(i));
      }
      if (!sharedTokenizer) {
        optimizer.step(model, pending.scope()); // zeroes the gradients after its update
      } else {
        harvestTableGradients();
      }
      return true;
    } catch (RuntimeException e) {
      model.zeroGradients(); // a half-applied gradient must not leak into the next step
      throw e;
    } finally {
      drop();
    }
  }

  private Pending pendingOf(long step, String what) {
    if (pending == null || pending.step() != step) {
      throw new IllegalStateException("client '" + clientId + "': " + what + " for step " + step
          + " but the pending step is " + (pending == null ? "none" : pending.step()));
    }
    return pending;
  }

  /** Frees a pending step, if any. */
  public void drop() {
    if (pending != null) {
      pending.scope().close();
      pending = null;
    }
  }

  @Override
  public void close() {
    drop();
  }
}
