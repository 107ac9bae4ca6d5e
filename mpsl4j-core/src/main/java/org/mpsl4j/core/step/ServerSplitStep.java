package org.mpsl4j.core.step;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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
 * <p>Not thread-safe: one training thread. The step's arrays live in the caller's scope.
 */
public final class ServerSplitStep {
  private final ServerModel model;
  private final Adam optimizer;
  private ClientAdversary adversary;

  /**
   * The state of a step between its forward and its backward half; {@code pooled} is the representation
   * the head read (null where there is none, or where no loss on it is needed).
   */
  public record Forward(CutBatch batch, NDArray outputs, NDArray pooled) {
    public Forward(CutBatch batch, NDArray outputs) {
      this(batch, outputs, null);
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

  public ServerSplitStep(ServerModel model, Adam optimizer) {
    this.model = model;
    this.optimizer = optimizer;
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
    this.adversary = adversary;
  }

  /**
   * One forward pass over the joined batch, recording the graph; the joined activations become
   * leaves that collect ∂L/∂A. They must not be part of another graph (a transport hands over
   * detached or decoded arrays).
   */
  public Forward forward(CutBatch batch) {
    for (Tokens t : batch.inputs()) {
      Autograd.leaf(t.values());
    }
    ServerModel.Pass pass;
    try (Autograd.Recording r = Autograd.record()) {
      pass = model.forwardPass(batch.inputs(), true);
    }
    return new Forward(batch, pass.outputs(), adversary == null ? null : pass.pooled());
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
    if (adversary != null && f.pooled() != null) {
      // One backward pass for both losses: Σ(outputs·g) has the output gradient g, Σ(pooled·r) adds the
      // adversary's reversed gradient r on the pooled representation.
      NDArray reversed = adversary.reversedGradient(f.pooled(), counted, scope);
      NDArray surrogate;
      try (Autograd.Recording r = Autograd.record()) {
        surrogate = f.outputs().mul(joined).sum().add(f.pooled().mul(reversed).sum());
      }
      Autograd.backward(surrogate);
    } else {
      Autograd.backward(f.outputs(), joined);
    }
    if (!finiteGradients(batch, scope)) {
      model.namedParameters().values().forEach(Parameter::zeroGradient);
      return new StepOutcome(StepOutcome.Status.NON_FINITE, List.of(), names(counted), samples, loss, correct);
    }
    optimizer.step(model.namedParameters(), scope);
    List<NDArray> cut = new ArrayList<>();
    for (Tokens t : batch.inputs()) {
      cut.add(t.values().getGradient());
    }
    List<CutGradient> out = new ArrayList<>();
    for (CutBatch.Member m : counted) {
      out.add(new CutGradient(m.client(), cut, m.row(), m.batch()));
    }
    return new StepOutcome(StepOutcome.Status.UPDATED, out, names(counted), samples, loss, correct);
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
  private boolean finiteGradients(CutBatch batch, NDManager scope) {
    NDArray total = null;
    for (Parameter p : model.namedParameters().values()) {
      if (p.isTrainable()) {
        NDArray sum = p.gradient(scope).sum();
        total = total == null ? sum : total.addi(sum);
      }
    }
    for (Tokens t : batch.inputs()) {
      NDArray g = t.values().getGradient();
      g.attach(scope);
      NDArray sum = g.sum();
      total = total == null ? sum : total.addi(sum);
    }
    return total == null || Float.isFinite(total.getFloat());
  }
}
