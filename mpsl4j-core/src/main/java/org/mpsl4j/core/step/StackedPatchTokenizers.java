package org.mpsl4j.core.step;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.model.TokenizerKind;
import org.mpsl4j.model.TokenizerSpec;

/**
 * The patch tokenizers of N co-hosted clients as one stacked computation (issue 18, B2): every parameter is held as
 * one [N, ...] tensor whose slice i is client i's, so that a phase of all N clients is a few batched libtorch calls
 * instead of about 60 per client. Forward: each row of the step gathers its own client's projection, bias, CLS
 * token, positions and LayerNorm scale and shift, and one batched matmul projects all rows' patches. Backward: one
 * autograd pass over the joined output, with each client's cut gradient on its own rows (index backward sums into
 * each client's own slice only). Adam ({@link StackedAdam}): one update over the stacked parameters and moments, with
 * each client's own step count for the bias correction; a client without a cut gradient this step keeps its
 * parameters, moments and step count.
 *
 * <p>What each client owns stays its own: its slice of the parameters and moments, its step count. The stack is
 * the truth while the group trains; {@link #writeTo} copies a client's slice into its {@link ClientModel} (epoch-end
 * upload, evaluation) and {@link #readFrom} takes one back (an average sent down). Data, labels, loss and defenses
 * are not here: the caller computes them per client on its rows.
 *
 * <p>Supported: exactly one 2-D patch tokenizer (IMAGE or AUDIO), no client blocks, head on the server
 * ({@link #unsupported}); every other configuration keeps the per-client path. Not thread-safe.
 *
 * <p>Memory: the stacks and moments live in a manager of their own that is capped once they are made. DJL attaches
 * an operation's result to its first operand's manager, so any result computed from a stack itself would stay
 * until the group closes (issue 18: a forward of 1,000 clients left about 30 MB per step there). Every computation
 * therefore works on {@linkplain #view views} owned by the caller's scope, and the cap makes a result that would
 * still land in the stacks' manager fail at once instead of growing memory.
 */
public final class StackedPatchTokenizers implements AutoCloseable {
  private static final String[] NAMES = {"proj.weight", "proj.bias", "cls_token", "pos_embed", "norm.weight",
      "norm.bias"};
  /** Owns the stacks and moments only; capped after the constructor (see the class comment). */
  private final NDManager state;
  private final TokenizerSpec spec;
  private final int width;
  private final float eps;
  private final int clients;
  /** By local name ({@link #NAMES}): [N, *the parameter's shape]. */
  private final Map<String, NDArray> stacks = new LinkedHashMap<>();
  private final StackedAdam adam;

  /**
   * One phase's forward: the joined output [R, tokens, width], client i's rows [offsets[i], offsets[i+1]) as its
   * activations (null without rows), and the phase's leaves (copies of the stacks) that collect the gradients.
   */
  public record Forward(NDArray output, int[] offsets, List<NDArray> activations, Map<String, NDArray> leaves) {}

  /** Why {@code config} cannot be stacked here, or null when it can. */
  public static String unsupported(ModelConfig config) {
    if (config.tokenizers().size() != 1) {
      return "stacked tokenizers take exactly one input, the model has " + config.tokenizers().size();
    }
    TokenizerKind kind = config.tokenizers().get(0).kind();
    if (kind != TokenizerKind.IMAGE && kind != TokenizerKind.AUDIO) {
      return "stacked tokenizers take 2-D patches (IMAGE, AUDIO), not " + kind;
    }
    if (config.clientBlocks() > 0) {
      return "stacked tokenizers do not run client blocks (--client-blocks " + config.clientBlocks() + ")";
    }
    if (config.head().onClient()) {
      return "stacked tokenizers do not run a client-side head";
    }
    return null;
  }

  /**
   * Stacks the clients' current tokenizer parameters (copies, owned by {@code manager}); their optimizers' state is
   * not taken: every client starts the group with zero moments and step count 0.
   *
   * @throws IllegalArgumentException if the models' config is {@link #unsupported} or they differ
   */
  public StackedPatchTokenizers(NDManager manager, List<ClientModel> models) {
    if (models.isEmpty()) {
      throw new IllegalArgumentException("no clients to stack");
    }
    ModelConfig config = models.get(0).config();
    String why = unsupported(config);
    if (why != null) {
      throw new IllegalArgumentException(why);
    }
    this.state = manager.newSubManager();
    this.spec = config.tokenizers().get(0);
    this.width = config.encoder().width();
    this.eps = config.encoder().layerNormEps();
    this.clients = models.size();
    for (String name : NAMES) {
      NDList slices = new NDList();
      for (ClientModel m : models) {
        if (!m.config().equals(config)) {
          throw new IllegalArgumentException("stacked clients must share one model config");
        }
        slices.add(parameter(m, name).array());
      }
      try (Autograd.NoGrad ignored = Autograd.noGrad()) {
        NDArray s = NDArrays.stack(slices);
        s.setRequiresGradient(false);
        s.attach(state);
        stacks.put(name, s);
      }
    }
    adam = new StackedAdam(state, stacks, clients);
    state.cap();
  }

  /**
   * A view of all of {@code stacked} owned by {@code scope}: operations on it attach their results to the scope, and
   * in-place ones write through to the stack.
   */
  static NDArray view(NDArray stacked, NDManager scope) {
    return stacked.get(scope, new NDIndex());
  }

  public int size() {
    return clients;
  }

  /** The shape of the activations (and cut gradient) of a batch of {@code rows}: (rows, tokens, width). */
  public Shape activationShape(long rows) {
    return new Shape(rows, spec.tokens(), width);
  }

  /** Client {@code i}'s optimizer steps so far (its updates applied). */
  public long steps(int i) {
    return adam.steps(i);
  }

  /**
   * One forward pass of all clients: {@code inputs.get(i)} is client i's (bᵢ, C, H, W) batch, or null when it has
   * no rows this step. The graph and every temporary live in {@code scope}.
   *
   * @return client i's activations are rows of the joined output (null for a client without rows)
   */
  public Forward forward(List<NDArray> inputs, NDManager scope) {
    return forward(inputs, scope, true);
  }

  /**
   * As above; with {@code graph} false no graph is recorded (the activations only go up: the cut-gradient phase runs
   * the forward again with one, {@link #step}, so that the step's frames may arrive in any split).
   */
  public Forward forward(List<NDArray> inputs, NDManager scope, boolean graph) {
    if (inputs.size() != clients) {
      throw new IllegalArgumentException(inputs.size() + " inputs for " + clients + " stacked clients");
    }
    int[] offsets = new int[clients + 1];
    NDList present = new NDList();
    List<Long> owner = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      NDArray x = inputs.get(i);
      int b = x == null ? 0 : (int) x.getShape().get(0);
      offsets[i + 1] = offsets[i] + b;
      if (b > 0) {
        present.add(x);
        for (int r = 0; r < b; r++) {
          owner.add((long) i);
        }
      }
    }
    int rows = offsets[clients];
    if (rows == 0) {
      return new Forward(null, offsets, java.util.Collections.nCopies(clients, null), Map.of());
    }
    int[] in = spec.inputShape(); // C, H, W
    int p = spec.patchSize();
    long c = in[0];
    long gh = in[1] / p;
    long gw = in[2] / p;
    NDArray x = present.size() == 1 ? present.get(0) : NDArrays.concat(present, 0);
    Map<String, NDArray> w = new LinkedHashMap<>();
    for (String name : NAMES) { // a leaf per phase: its gradient is freed with the scope, the stack is updated in place
      if (graph) {
        NDArray leaf = view(stacks.get(name), scope).duplicate();
        leaf.setRequiresGradient(true);
        w.put(name, leaf);
      } else {
        w.put(name, view(stacks.get(name), scope));
      }
    }
    NDArray out;
    Autograd.Recording recording = graph ? Autograd.record() : null;
    Autograd.NoGrad noGrad = graph ? null : Autograd.noGrad();
    try {
      // (R, C, H, W) → (R, patches, C·p·p) in the conv's order: patch (row, column), then channel, then pixel.
      NDArray patches = x.reshape(rows, c, gh, p, gw, p).transpose(0, 2, 4, 1, 3, 5).reshape(rows, gh * gw, c * p * p);
      out = sameRows(offsets) ? forwardByClient(patches, w, rows / clients, scope)
          : forwardByRow(patches, w, rows, new NDIndex("{}", scope.create(owner.stream().mapToLong(Long::longValue)
              .toArray())), scope);
    } finally {
      if (recording != null) {
        recording.close();
      }
      if (noGrad != null) {
        noGrad.close();
      }
    }
    List<NDArray> acts = new ArrayList<>(clients);
    for (int i = 0; i < clients; i++) {
      acts.add(offsets[i + 1] == offsets[i] ? null : out.get(offsets[i] + ":" + offsets[i + 1]));
    }
    return new Forward(out, offsets, acts, graph ? w : Map.of());
  }

  /** Whether every client has the same number of rows (and at least one): the clients' weights then need no gather. */
  private boolean sameRows(int[] offsets) {
    int b = offsets[1] - offsets[0];
    for (int i = 1; i < clients; i++) {
      if (offsets[i + 1] - offsets[i] != b) {
        return false;
      }
    }
    return b > 0;
  }

  /**
   * Every client with b rows: one batched matmul of (N, b·patches, C·p·p) by each client's own projection, and each
   * client's bias, CLS, positions and LayerNorm scale broadcast over its rows: no per-row copy of the weights.
   */
  private NDArray forwardByClient(NDArray patches, Map<String, NDArray> w, int b, NDManager scope) {
    long k = patches.getShape().get(2);
    int t = spec.tokens();
    NDArray proj = w.get("proj.weight").reshape(clients, width, k);
    NDArray y = patches.reshape(clients, (long) b * (t - 1), k).matMul(proj.transpose(0, 2, 1))
        .reshape(clients, b, t - 1, width).add(w.get("proj.bias").reshape(clients, 1, 1, width));
    NDArray cls = w.get("cls_token").reshape(clients, 1, 1, width).broadcast(new Shape(clients, b, 1, width));
    NDArray tokens = NDArrays.concat(new NDList(cls, y), 2).add(w.get("pos_embed").reshape(clients, 1, t, width));
    NDArray normed = normalized(tokens, scope);
    return normed.mul(w.get("norm.weight").reshape(clients, 1, 1, width))
        .add(w.get("norm.bias").reshape(clients, 1, 1, width)).reshape((long) clients * b, t, width);
  }

  /** Clients with different numbers of rows: each row gathers its client's weights ({@code own}: a row's client). */
  private NDArray forwardByRow(NDArray patches, Map<String, NDArray> w, int rows, NDIndex own, NDManager scope) {
    long k = patches.getShape().get(2);
    NDArray proj = w.get("proj.weight").reshape(clients, width, k).get(own); // (R, d, C·p·p)
    NDArray y = patches.matMul(proj.transpose(0, 2, 1)).add(w.get("proj.bias").get(own).reshape(rows, 1, width));
    NDArray cls = w.get("cls_token").get(own).reshape(rows, 1, width);
    NDArray tokens = NDArrays.concat(new NDList(cls, y), 1)
        .add(w.get("pos_embed").get(own).reshape(rows, spec.tokens(), width));
    NDArray normed = normalized(tokens, scope);
    return normed.mul(w.get("norm.weight").get(own).reshape(rows, 1, width))
        .add(w.get("norm.bias").get(own).reshape(rows, 1, width));
  }

  /** LayerNorm over the width without its scale and shift (each client's are applied after, from its slice). */
  private NDArray normalized(NDArray tokens, NDManager scope) {
    return ai.djl.nn.norm.LayerNorm.layerNorm(tokens, new Shape(width), scope.ones(new Shape(width)),
        scope.zeros(new Shape(width)), eps).singletonOrThrow();
  }

  /**
   * One backward pass of all clients and one Adam update: {@code cutGradients.get(i)} is client i's (bᵢ, tokens,
   * width) cut gradient, or null when it has none (it keeps its parameters, moments and step count).
   *
   * @param learningRate the step's client learning rate (every client of a step gets the same plan)
   * @return per client, whether it was updated
   */
  public boolean[] step(Forward f, List<NDArray> cutGradients, float learningRate, NDManager scope) {
    boolean[] counted = new boolean[clients];
    if (f.output() == null) {
      return counted;
    }
    NDList grads = new NDList();
    for (int i = 0; i < clients; i++) {
      int b = f.offsets()[i + 1] - f.offsets()[i];
      NDArray g = cutGradients.get(i);
      counted[i] = g != null && b > 0;
      if (b > 0) {
        grads.add(counted[i] ? g : scope.zeros(new Shape(b, spec.tokens(), width)));
      }
    }
    step(f, grads.size() == 1 ? grads.get(0) : NDArrays.concat(grads, 0), counted, learningRate, scope);
    return counted;
  }

  /**
   * As above, with the cut gradients already joined in the forward's row order ({@code joined}: zeros in the rows of
   * a client that is not {@code counted}), as a host that decodes a frame of gradients into one tensor has them.
   */
  public void step(Forward f, NDArray joined, boolean[] counted, float learningRate, NDManager scope) {
    Map<String, NDArray> leaves = f.leaves();
    if (f.output() == null) {
      return;
    }
    if (leaves.isEmpty()) {
      throw new IllegalArgumentException("a forward without a graph cannot step (forward(inputs, scope, true))");
    }
    for (int i = 0; i < clients; i++) {
      if (counted[i] && f.offsets()[i + 1] == f.offsets()[i]) {
        throw new IllegalArgumentException("client " + i + " is counted but has no rows in the forward");
      }
    }
    Autograd.backward(f.output(), joined);
    adam.step(stacks, leaves, counted, learningRate, scope);
  }

  /** Client {@code i}'s parameters into {@code model} (e.g. before its epoch-end upload). */
  public void writeTo(int i, ClientModel model) {
    try (NDManager scope = state.newSubManager()) {
      for (String name : NAMES) {
        parameter(model, name).copyFrom(stacks.get(name).get(scope, new NDIndex(i)));
      }
    }
  }

  /** {@code model}'s parameters into client {@code i}'s slice (e.g. an average sent down); moments are kept. */
  public void readFrom(int i, ClientModel model) {
    try (Autograd.NoGrad ignored = Autograd.noGrad()) {
      for (String name : NAMES) {
        stacks.get(name).set(new NDIndex(i), parameter(model, name).array());
      }
    }
  }

  /** Client {@code i}'s moment {@code exp_avg} or {@code exp_avg_sq} of parameter {@code name}, as a copy in scope. */
  public NDArray moment(String which, String name, int i, NDManager scope) {
    return adam.moment(which, name, i, scope);
  }

  private Parameter parameter(ClientModel model, String local) {
    Parameter p = model.namedParameters().get(spec.input() + "." + local);
    if (p == null) {
      throw new IllegalStateException("client model has no parameter '" + spec.input() + "." + local + "'");
    }
    return p;
  }

  @Override
  public void close() {
    state.close();
  }
}
