package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.mpsl4j.core.cut.CutActivations;
import org.mpsl4j.core.cut.CutGradient;
import org.mpsl4j.core.cut.CutOutputs;
import org.mpsl4j.core.cut.OutputGradient;
import org.mpsl4j.core.port.StepPlan;
import org.mpsl4j.core.step.ClientSplitStep;
import org.mpsl4j.core.step.OutputLoss;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.tokenizer.Tokens;
import org.mpsl4j.model.train.Adam;
import org.mpsl4j.protocol.CodecSpec;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.TensorLimits;
import org.mpsl4j.protocol.v1.Activations;
import org.mpsl4j.protocol.v1.CutGrad;
import org.mpsl4j.protocol.v1.InputActivation;
import org.mpsl4j.protocol.v1.OutputGrad;
import org.mpsl4j.protocol.v1.Outputs;
import org.mpsl4j.protocol.v1.StepBegin;

/**
 * The wire side of a client's step: turns the server's {@code mpsl.proto} messages into calls on the
 * core {@link ClientSplitStep} and its records into replies. StepBegin → activations (packed with the
 * negotiated uplink codec; top-k through {@link ErrorFeedback}); Outputs → output gradient; CutGrad →
 * the core step's backward and optimizer step. Used by MPSL and the split baselines' clients.
 *
 * <p>Codecs ({@link #useCodecs}): the server runs forward and backward on the activations as it decoded
 * them, so the cut gradient is the gradient w.r.t. those; the client applies it to its own,
 * uncompressed activations (a straight-through estimator: the codec is the identity in the backward
 * pass). Not thread-safe.
 */
public final class WireClientStep implements AutoCloseable {
  private final NDManager manager;
  private final ClientSplitStep step;
  private final TensorLimits limits;
  private CodecSpec codecUp = CodecSpec.RAW;
  private CodecSpec codecDown = CodecSpec.RAW;
  private ErrorFeedback feedback;
  private boolean errorFeedback = true;
  private boolean sharesTokenizer;
  private boolean sharesTables;
  /** Rows of the pending step's batch (what its outputs and cut gradient must have). */
  private int pendingBatch;
  /** The reply a stacked group computed for the outputs of step {@link #suppliedStep} ({@link #supplyOutputGrad}). */
  private OutputGrad supplied;
  private long suppliedStep = -1;

  /**
   * @param manager owns the model; each step's tensors live in a sub-manager of it
   * @param indices the client's share of {@code data}
   */
  public WireClientStep(String clientId, NDManager manager, ClientModel model, Adam optimizer, LabeledDataset data,
      int[] indices, int batchSize, long dataSeed, TensorLimits limits) {
    this.manager = manager;
    this.step = new ClientSplitStep(clientId, manager, model, optimizer, data, indices, batchSize, dataSeed,
        OutputLoss.throughHead(model, org.mpsl4j.model.train.Objective.of(model.config().head())));
    this.limits = limits;
  }

  /**
   * Sends activations with {@code up} (top-k with error feedback) and expects cut gradients packed with
   * {@code down}; a gradient in any other codec is refused. Resets any error-feedback residual.
   */
  public void useCodecs(CodecSpec up, CodecSpec down) {
    if (up.equals(codecUp) && down.equals(codecDown)) {
      return; // the Welcome confirmed what was asked: keep the residual
    }
    if (feedback != null) {
      feedback.close();
      feedback = null;
    }
    codecUp = up;
    codecDown = down;
    if (up.codec() == org.mpsl4j.protocol.v1.Codec.TOPK && errorFeedback) {
      feedback = new ErrorFeedback(manager, up);
    }
  }

  /** Spread batches over the Welcome's {@code steps} per epoch ({@link ClientSplitStep#spreadOver}). */
  public void spreadOver(int steps) {
    step.spreadOver(steps);
  }

  /** FedSGD on the tokenizers (Welcome.shared_tokenizer; {@link ClientSplitStep#shareTokenizer}), tables frozen. */
  public void shareTokenizer(boolean shared) {
    shareTokenizer(shared, false);
  }

  /**
   * FedSGD on the tokenizers (Welcome.shared_tokenizer; {@link ClientSplitStep#shareTokenizer}); with {@code tables}
   * (Welcome.shared_tables) the text embedding tables and other large tables ({@link SharedTokenizerStep#tableNames})
   * are trained too and their gradients go by rows; without, they stay at the initial values every client and the
   * server share, so they cannot tell clients apart either.
   */
  public void shareTokenizer(boolean shared, boolean tables) {
    sharesTokenizer = shared;
    sharesTables = shared && tables;
    step.shareTokenizer(shared);
    if (shared && !tables) {
      java.util.Set<String> frozen = SharedTokenizerStep.tableNames(step.model());
      step.model().namedTables().forEach((name, t) -> {
        if (frozen.contains(name)) {
          t.setTrainable(false);
        }
      });
      step.model().namedParameters().forEach((name, p) -> {
        if (frozen.contains(name)) {
          p.setTrainable(false);
        }
      });
    }
  }

  /** Whether the Welcome asked for the large tables to be trained by rows ({@link #shareTokenizer(boolean, boolean)}). */
  public boolean sharesTables() {
    return sharesTables;
  }

  /** Whether the Welcome asked for FedSGD on the tokenizers ({@link #shareTokenizer}). */
  public boolean sharesTokenizer() {
    return sharesTokenizer;
  }

  /**
   * The tokenizer gradients accumulated since the last upload, whole and uncompressed, as the answer to a
   * {@code TokenizerSync} that asks for gradients; the client's own gradients are zeroed.
   */
  public org.mpsl4j.protocol.v1.TokenizerWeights tokenizerGradients(int samples) {
    org.mpsl4j.protocol.v1.TokenizerWeights.Builder w = org.mpsl4j.protocol.v1.TokenizerWeights.newBuilder()
        .setSamples(samples);
    try (NDManager scope = manager.newSubManager()) {
      java.util.Set<String> tables = sharesTables ? SharedTokenizerStep.tableNames(step.model()) : java.util.Set.of();
      java.util.Map<String, org.mpsl4j.model.train.RowGradient> byRows = new java.util.LinkedHashMap<>(
          step.takeRowGradients(scope));
      step.takeGradients(scope).forEach((name, g) -> {
        if (tables.contains(name)) { // a table held as a dense parameter (a deployed client): its non-zero rows
          byRows.put(name, SparseRows.nonZeroRows(g, scope));
        } else {
          w.addParameters(org.mpsl4j.protocol.v1.NamedTensor.newBuilder().setName(name).setTensor(TensorCodec.encode(g)));
        }
      });
      for (String name : tables) {
        org.mpsl4j.model.train.RowGradient g = byRows.get(name);
        if (g == null || g.rows().size() == 0) { // no batch reached it: a zero gradient of row 0 (an upload names a row)
          long width = tableWidth(name);
          g = new org.mpsl4j.model.train.RowGradient(scope.create(new long[] {0}),
              scope.zeros(new ai.djl.ndarray.types.Shape(1, width)));
        }
        w.addParameters(org.mpsl4j.protocol.v1.NamedTensor.newBuilder().setName(name)
            .setRows(TensorCodec.encode(g.rows())).setTensor(TensorCodec.encode(g.values())));
      }
    }
    return w.build();
  }

  private long tableWidth(String name) {
    org.mpsl4j.model.Parameter p = step.model().namedParameters().get(name);
    return p != null ? p.shape().get(1) : step.model().namedTables().get(name).shape().get(1);
  }

  /** The tokenizer gradients accumulated since the last call, owned by {@code scope}; the model's own are zeroed. */
  public java.util.Map<String, ai.djl.ndarray.NDArray> takeGradients(NDManager scope) {
    return step.takeGradients(scope);
  }

  /** Applies this client's defenses to its labels, activations, output gradients and reported loss. */
  public void usePrivacy(org.mpsl4j.engine.privacy.ClientPrivacy privacy) {
    step.useDefenses(privacy);
  }

  /**
   * Whether top-k activations carry error feedback (default: yes). Off, each batch is sent as the plain
   * top-k of its own activations: an ablation, since a residual mixes one batch's dropped values into
   * the next batch's (other samples') activations. Call before {@link #useCodecs}.
   */
  public void useErrorFeedback(boolean on) {
    errorFeedback = on;
    if (!on && feedback != null) {
      feedback.close();
      feedback = null;
    }
  }

  /** The uplink codec, e.g. for evaluation uploads (which bypass error feedback). */
  public CodecSpec codecUp() {
    return codecUp;
  }

  /** This client's sample order in an epoch: a seeded shuffle, so a step number names a batch. */
  public int[] epochOrder(int epoch) {
    return step.epochOrder(epoch);
  }

  /** The activations of the step's mini-batch, or null when this client's epoch is used up. */
  public Activations begin(long stepNumber, StepBegin begin) {
    CutActivations acts = step.begin(new StepPlan(stepNumber, begin.getEpoch(), begin.getStepInEpoch(),
        begin.getLearningRate()));
    if (acts == null) {
      return null;
    }
    pendingBatch = acts.batch();
    if (feedback == null) {
      return activations(step.model().config(), acts.inputs(), codecUp);
    }
    Activations.Builder a = Activations.newBuilder();
    for (int i = 0; i < acts.inputs().size(); i++) {
      a.addInputs(input(step.model().config(), acts.inputs(), i,
          feedback.encode(i, acts.inputs().get(i).values(), step.stepScope())));
    }
    return a.build();
  }

  /** The loss of the received outputs against this client's labels, and its scaled gradient. */
  public OutputGrad outputGradient(long stepNumber, Outputs outputs) {
    OutputGrad ready = supplied;
    supplied = null;
    if (ready != null && suppliedStep == stepNumber && step.pendingBatch(stepNumber) != null) {
      return ready;
    }
    NDManager scope = step.stepScope();
    if (scope == null) {
      throw new IllegalStateException("client '" + step.clientId() + "': outputs for step " + stepNumber
          + " but no step is pending");
    }
    NDArray z = TensorCodec.decode(outputs.getValues(), scope, limits, "outputs");
    OutputGradient g = step.outputGradient(stepNumber,
        new CutOutputs(step.clientId(), z, 0, (int) z.getShape().get(0), outputs.getTotalBatch()));
    return OutputGrad.newBuilder().setGrad(TensorCodec.encode(g.gradient())).setLoss(g.loss()).setCorrect(g.correct())
        .build();
  }

  /**
   * Whether this client could answer {@code outputs} for the pending step {@code stepNumber} with the plain loss
   * computed by a stacked group: RAW float values of (batch, classes) within this client's limits, no defenses;
   * otherwise the client's own path answers, or reports what is wrong.
   */
  boolean stackableOutputs(long stepNumber, Outputs outputs, long classes) {
    return step.plainLoss() && step.pendingBatch(stepNumber) != null
        && rawFloats(outputs.getValues(), new ai.djl.ndarray.types.Shape(pendingBatch, classes), "outputs");
  }

  /**
   * The cut gradient's one tensor if a stacked group can decode it with others: one input, RAW float values of
   * {@code shape}, within this client's limits and codec; null otherwise (the client's own path then reports it).
   */
  org.mpsl4j.protocol.v1.Tensor stackableCutGrad(CutGrad cutGrad, ai.djl.ndarray.types.Shape shape) {
    return cutGrad.getGradsCount() == 1 && codecDown.equals(CodecSpec.RAW)
        && rawFloats(cutGrad.getGrads(0), shape, "cut gradient 0") ? cutGrad.getGrads(0) : null;
  }

  /** Whether {@code t} is RAW float32 of {@code shape} within this client's limits (checked without decoding). */
  private boolean rawFloats(org.mpsl4j.protocol.v1.Tensor t, ai.djl.ndarray.types.Shape shape, String what) {
    try {
      return t.getDtype() == org.mpsl4j.protocol.v1.DType.FLOAT32 && TensorCodec.checkRaw(t, limits, what).equals(shape);
    } catch (RuntimeException bad) {
      return false;
    }
  }

  /** The reply to the outputs of step {@code stepNumber}, computed by a stacked group ({@link StackedClients}). */
  void supplyOutputGrad(long stepNumber, OutputGrad reply) {
    supplied = reply;
    suppliedStep = stepNumber;
  }

  /**
   * Backpropagates the cut-layer gradient and steps the optimizer; ignores a gradient for another step.
   *
   * @return whether the gradient was applied
   */
  public boolean applyCutGradient(long stepNumber, CutGrad cutGrad) {
    if (step.appliedByGroup(stepNumber)) {
      return step.applyCutGradient(stepNumber, null); // StackedClients applied it
    }
    CutGradient g = cutGradient(cutGrad);
    return g != null && step.applyCutGradient(stepNumber, g);
  }

  /** The cut gradient decoded into the pending step's scope, or null when no step is pending. */
  CutGradient cutGradient(CutGrad cutGrad) {
    NDManager scope = step.stepScope();
    if (scope == null) {
      return null;
    }
    List<NDArray> grads = new ArrayList<>();
    for (int i = 0; i < cutGrad.getGradsCount(); i++) {
      grads.add(TensorCodec.decode(cutGrad.getGrads(i), scope, limits, "cut gradient " + i, codecDown));
    }
    return new CutGradient(step.clientId(), grads, 0, pendingBatch);
  }

  /** The core step (stacked compute prepares and completes its phases, StackedClients). */
  ClientSplitStep core() {
    return step;
  }

  /** The client's optimizer (for checkpoints). */
  public Adam optimizer() {
    return step.optimizer();
  }

  /** Frees a pending step, if any. */
  public void drop() {
    step.drop();
  }

  /** Cut-layer tokens as the wire message, one entry per input in model order. */
  public static Activations activations(ModelConfig config, List<Tokens> acts) {
    return activations(config, acts, CodecSpec.RAW);
  }

  /** Cut-layer tokens with the values packed by {@code codec} (masks stay RAW: b × T, tiny and exact). */
  public static Activations activations(ModelConfig config, List<Tokens> acts, CodecSpec codec) {
    Activations.Builder a = Activations.newBuilder();
    for (int i = 0; i < acts.size(); i++) {
      a.addInputs(input(config, acts, i, TensorCodec.encode(acts.get(i).values(), codec)));
    }
    return a.build();
  }

  private static InputActivation input(ModelConfig config, List<Tokens> acts, int i,
      org.mpsl4j.protocol.v1.Tensor values) {
    InputActivation.Builder ia = InputActivation.newBuilder().setInput(config.tokenizers().get(i).input())
        .setValues(values);
    if (acts.get(i).mask() != null) {
      ia.setMask(TensorCodec.encode(acts.get(i).mask()));
    }
    return ia.build();
  }

  @Override
  public void close() {
    step.close();
    if (feedback != null) {
      feedback.close();
    }
  }
}
