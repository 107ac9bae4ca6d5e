package org.mpsl4j.core.step;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.mpsl4j.core.cut.CutBatch;
import org.mpsl4j.core.cut.CutGradient;
import org.mpsl4j.core.cut.CutOutputs;
import org.mpsl4j.core.cut.OutputGradient;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.model.ServerModel;
import org.mpsl4j.model.tokenizer.Tokens;
import org.mpsl4j.model.train.Adam;

/**
 * The server's half of one split-learning step, as in the paper: the clients' activations
 * concatenated into one batch → <b>one</b> forward pass → each client its slice of the outputs; the
 * clients' weighted output gradients in → <b>one</b> backward pass → <b>one</b> optimizer step → each
 * client its slice of the cut-layer gradient. MPSL runs one of these for all clients; SplitFed v1
 * one per client (its server copies); SplitFed v2 and sequential SL one that clients take turns on.
 *
 * <p>Weights. Clients send gᵢ = (bᵢ/B)·∂Lᵢ/∂Zᵢ with B the batch of the forward pass. When only the
 * clients in C answer, the server scales the joined gradient by B / B_C (B_C = Σ_{i∈C} bᵢ), so the
 * update is that of the mean loss over the samples that counted, Σ_{i∈C} (bᵢ/B_C)·Lᵢ, exactly as if
 * the others had not taken part (ServerSplitStepTest#dropout_renormalizesToTheCountedClients).
 *
 * <p>Chunks ({@link #ServerSplitStep(ServerModel, Adam, int)}). A pass keeps every intermediate of
 * the joined batch until backward (a 6-block width-384 encoder about 1.5 MB per sample and block), so a
 * batch of 1,000 samples alone fills gigabytes. With a chunk of at most M samples the forward runs
 * without recording, M samples at a time, keeping only the outputs; the backward runs each chunk's
 * forward again with recording and backpropagates that chunk's rows of the output gradient at once,
 * accumulating the parameters' gradients, then takes the one optimizer step. The model is per-sample
 * separable (attention and LayerNorm stay within a sample, no batch statistics), so the sum over
 * chunks is the gradient of the one pass up to float32 round-off (ServerSplitStepChunkTest); a loss
 * over the whole batch (the server-side contrastive loss) still sees all outputs at once, since only
 * the model's backward is chunked. The price is one more forward pass per step. Encoder dropout
 * would draw other masks in the second forward, so chunks are refused with dropout.
 *
 * <p>Not thread-safe: one training thread. The step's arrays live in the caller's scope.
 */
public final class ServerSplitStep {
  private final ServerModel model;
  private final Adam optimizer;
  /** At most this many samples per pass; 0: the whole batch in one pass. */
  private final int chunk;
  private ClientAdversary adversary;

  /**
   * The state of a step between its forward and its backward half.
   *
   * @param pooled   the representation the head read (null where there is none, or where no loss on it is needed)
   * @param recorded whether {@code outputs} carries the graph of the whole batch; when not (chunked),
   *     backward runs the forward again chunk by chunk
   */
  public record Forward(CutBatch batch, NDArray outputs, NDArray pooled, boolean recorded) {
    /** A forward whose outputs carry the graph (or that is not backpropagated: evaluation). */
    public Forward(CutBatch batch, NDArray outputs) {
      this(batch, outputs, null, true);
    }

    /** Each contributor's rows of the outputs, carrying B for its weight. */
    public List<CutOutputs> slices() {
      List<CutOutputs> out = new ArrayList<>();
      int total = batch.totalBatch();
      for (CutBatch.Member m : batch.members()) {
        out.add(new CutOutputs(m.client(), outputs, m.row(), m.batch(), total));
      }
      return out;
    }
  }

  /** One pass over the whole joined batch. */
  public ServerSplitStep(ServerModel model, Adam optimizer) {
    this(model, optimizer, 0);
  }

  /**
   * @param chunk at most this many samples per forward/backward pass (0: the whole batch at once)
   * @throws IllegalArgumentException if {@code chunk} is negative, or positive for an encoder with dropout
   */
  public ServerSplitStep(ServerModel model, Adam optimizer, int chunk) {
    if (chunk < 0) {
      throw new IllegalArgumentException("server chunk must be >= 0 (0: one pass) but was " + chunk
          + " (--server-chunk)");
    }
    float dropout = model.config().encoder().dropout();
    if (chunk > 0 && dropout > 0) {
      throw new IllegalArgumentException("--server-chunk " + chunk + " needs an encoder without dropout (it runs"
          + " each chunk's forward twice, and dropout would draw other masks the second time), but dropout is "
          + dropout + ": use --server-chunk 0");
    }
    this.model = model;
    this.optimizer = optimizer;
    this.chunk = chunk;
  }

  /** At most this many samples per pass; 0: one pass over the whole batch. */
  public int chunk() {
    return chunk;
  }

  public ServerModel model() {
    return model;
  }

  public Adam optimizer() {
    return optimizer;
  }

  /**
   * Adds a client-identity adversary with gradient reversal on the pooled representation (docs/GLOBAL_MODEL.md);
   * null removes it.
   *
   * @throws IllegalArgumentException for a retrieval model, whose outputs are not one pooled representation
   */
  public void useAdversary(ClientAdversary adversary) {
    if (adversary != null && model.config().head().kind() == org.mpsl4j.model.HeadConfig.Kind.PROJECTION) {
      throw new IllegalArgumentException("a client adversary needs one pooled representation per row; a retrieval "
          + "model has two");
    }
    if (adversary != null && chunk > 0) {
      throw new IllegalArgumentException("a client adversary (--client-adversary) reads the whole batch's pooled"
          + " representation from one recorded pass, but this step runs in chunks of " + chunk
          + " (--server-chunk): use --server-chunk 0 with it");
    }
    this.adversary = adversary;
  }

  /**
   * One forward pass over the joined batch, recording the graph; the joined activations become
   * leaves that collect ∂L/∂A. They must not be part of another graph (a transport hands over
   * detached or decoded arrays).
   */
  public Forward forward(CutBatch batch) {
    if (chunked(batch)) {
      NDArray outputs;
      try (Autograd.NoGrad ng = Autograd.noGrad()) {
        outputs = model.forwardInChunks(batch.inputs(), chunk, batch.inputs().get(0).values().getManager());
      }
      return new Forward(batch, outputs, null, false);
    }
    for (Tokens t : batch.inputs()) {
      Autograd.leaf(t.values());
    }
    ServerModel.Pass pass;
    try (Autograd.Recording r = Autograd.record()) {
      pass = model.forwardPass(batch.inputs(), true);
    }
    return new Forward(batch, pass.outputs(), adversary == null ? null : pass.pooled(), true);
  }

  /**
   * The backward half: the output gradients that arrived (by client id; any other member counts as
   * absent and gets nothing), renormalized to the clients that counted, one backward pass, one
   * optimizer step, and the counted clients' cut-gradient slices. Without any output gradient nothing
   * happens. Gradients may come from the clients or from a loss the server computes itself.
   *
   * @throws IllegalArgumentException if a gradient's shape is not its client's output slice
   */
  public StepOutcome backward(Forward f, Map<String, OutputGradient> gradients, NDManager scope) {
    CutBatch batch = f.batch();
    Shape outShape = f.outputs().getShape();
    List<NDArray> rows = new ArrayList<>();
    List<CutBatch.Member> counted = new ArrayList<>();
    long samples = 0;
    double loss = 0;
    long correct = 0;
    for (CutBatch.Member m : batch.members()) {
      OutputGradient g = gradients.get(m.client());
      Shape slice = sliceShape(outShape, m.batch());
      if (g == null) {
        rows.add(scope.zeros(slice)); // no gradient through its rows; the others are renormalized below
        continue;
      }
      if (!g.gradient().getShape().equals(slice)) {
        throw new IllegalArgumentException("client '" + m.client() + "': output gradient of shape "
            + g.gradient().getShape() + " for an output slice of shape " + slice);
      }
      rows.add(g.gradient());
      counted.add(m);
      samples += m.batch();
      loss += (double) g.loss() * m.batch();
      correct += g.correct();
    }
    if (counted.isEmpty()) {
      return StepOutcome.none();
    }
    NDArray joined = CutBatch.concat(rows);
    int total = batch.totalBatch();
    NDArray scale = null; // referenced until backward: a scalar freed early corrupts the gradient (docs/ARCHITECTURE.md, "Native memory and autograd")
    if (samples < total) {
      scale = scope.create((float) total / samples);
      joined = joined.mul(scale);
    }
    List<NDArray> cut = f.recorded() ? backwardOnePass(f, joined, counted, scope)
        : backwardInChunks(batch, joined, scope);
    if (!finiteGradients(cut, scope)) {
      model.namedParameters().values().forEach(Parameter::zeroGradient);
      return new StepOutcome(StepOutcome.Status.NON_FINITE, List.of(), names(counted), samples, loss, correct);
    }
    optimizer.step(model.namedParameters(), scope);
    List<CutGradient> out = new ArrayList<>();
    for (CutBatch.Member m : counted) {
      out.add(new CutGradient(m.client(), cut, m.row(), m.batch()));
    }
    return new StepOutcome(StepOutcome.Status.UPDATED, out, names(counted), samples, loss, correct);
  }

  private boolean chunked(CutBatch batch) {
    return chunk > 0 && batch.totalBatch() > chunk;
  }

  /**
   * Backward through the recorded graph of the whole batch; the joined inputs' gradients per input. With a client
   * adversary, one backward pass serves both losses: Σ(outputs·g) has the output gradient g, Σ(pooled·r) adds the
   * adversary's reversed gradient r on the pooled representation.
   */
  private List<NDArray> backwardOnePass(Forward f, NDArray outputGradient, List<CutBatch.Member> counted,
      NDManager scope) {
    if (adversary != null && f.pooled() != null) {
      NDArray reversed = adversary.reversedGradient(f.pooled(), counted, scope);
      NDArray surrogate;
      try (Autograd.Recording r = Autograd.record()) {
        surrogate = f.outputs().mul(outputGradient).sum().add(f.pooled().mul(reversed).sum());
      }
      Autograd.backward(surrogate);
    } else {
      Autograd.backward(f.outputs(), outputGradient);
    }
    List<NDArray> cut = new ArrayList<>();
    for (Tokens t : f.batch().inputs()) {
      cut.add(t.values().getGradient());
    }
    return cut;
  }

  /**
   * Per chunk, in a sub-manager that frees its graph and intermediates: the forward again with
   * recording, backward of the chunk's output gradient rows (parameter gradients accumulate), and the
   * chunk's input gradients kept. Returns each input's gradient joined over the chunks.
   */
  private List<NDArray> backwardInChunks(CutBatch batch, NDArray outputGradient, NDManager scope) {
    int inputs = batch.inputs().size();
    List<List<NDArray>> parts = new ArrayList<>();
    for (int i = 0; i < inputs; i++) {
      parts.add(new ArrayList<>());
    }
    int total = batch.totalBatch();
    for (int start = 0; start < total; start += chunk) {
      int end = Math.min(total, start + chunk);
      try (NDManager part = scope.newSubManager()) {
        List<Tokens> rows = new ArrayList<>();
        for (Tokens t : batch.inputs()) {
          NDArray values = Autograd.leaf(rows(t.values(), start, end, part).duplicate());
          rows.add(new Tokens(values, t.mask() == null ? null : rows(t.mask(), start, end, part)));
        }
        NDArray out;
        try (Autograd.Recording r = Autograd.record()) {
          out = model.forward(rows, true);
        }
        Autograd.backward(out, rows(outputGradient, start, end, part));
        for (int i = 0; i < inputs; i++) {
          NDArray g = rows.get(i).values().getGradient();
          g.attach(scope);
          parts.get(i).add(g);
        }
      }
    }
    List<NDArray> cut = new ArrayList<>();
    for (List<NDArray> p : parts) {
      cut.add(CutBatch.concat(p));
    }
    return cut;
  }

  /** Rows [from, to) of {@code a}, owned by {@code part} so that what is computed from them dies with it. */
  private static NDArray rows(NDArray a, int from, int to, NDManager part) {
    NDArray r = a.get(new NDIndex("{}:{}", from, to));
    r.attach(part);
    return r;
  }

  private static Shape sliceShape(Shape outputs, int rows) {
    long[] dims = outputs.getShape().clone(); // getShape() is the Shape's own array
    dims[0] = rows;
    return new Shape(dims);
  }

  private static List<String> names(List<CutBatch.Member> members) {
    return members.stream().map(CutBatch.Member::client).toList();
  }

  /**
   * Whether every trained parameter's gradient and every cut-layer gradient is finite. The sums stay
   * native and only their total is read: one synchronizing read per step instead of one per parameter.
   */
  private boolean finiteGradients(List<NDArray> cut, NDManager scope) {
    NDArray total = null;
    for (Parameter p : model.namedParameters().values()) {
      if (p.isTrainable()) {
        NDArray sum = p.gradient(scope).sum();
        total = total == null ? sum : total.addi(sum);
      }
    }
    for (NDArray g : cut) {
      g.attach(scope);
      NDArray sum = g.sum();
      total = total == null ? sum : total.addi(sum);
    }
    return total == null || Float.isFinite(total.getFloat());
  }
}
