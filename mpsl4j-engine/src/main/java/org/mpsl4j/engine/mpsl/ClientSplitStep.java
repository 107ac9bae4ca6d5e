package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.List;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.engine.BatchTensors;
import org.mpsl4j.engine.EpochOrder;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.tokenizer.Tokens;
import org.mpsl4j.model.train.Adam;
import org.mpsl4j.model.train.Losses;
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
 * The client's half of one split-learning step, shared by every method that cuts the model after the
 * tokenizers (MPSL, SplitFed v1/v2, sequential SL): StepBegin → activations of its next mini-batch;
 * Outputs → loss from its own labels and the output gradient (bᵢ/B)·∂Lᵢ/∂Zᵢ; CutGrad → backward into
 * the tokenizers and one step of the client's optimizer.
 *
 * <p>Between activations and cut gradient the step's tensors live in a sub-manager of the client's
 * manager; a new StepBegin drops a step the server gave up on. Not thread-safe.
 *
 * <p>Codecs ({@link #useCodecs}): activations go out with the negotiated uplink codec (top-k through
 * {@link ErrorFeedback}), cut gradients come in with the downlink codec. The server runs forward and
 * backward on the activations as it decoded them, so the cut gradient is the gradient w.r.t. those; the
 * client applies it to its own, uncompressed activations (a straight-through estimator: the codec is
 * treated as the identity in the backward pass).
 */
public final class ClientSplitStep implements AutoCloseable {
  private final String clientId;
  private final NDManager manager;
  private final ClientModel model;
  private final Adam optimizer;
  private final LabeledDataset data;
  private final int[] indices;
  private final int batchSize;
  private final long dataSeed;
  private final TensorLimits limits;
  private Pending pending;
  /** The last epoch's order: a step asks for it every time, and recomputing it copies and shuffles all indices. */
  private int cachedEpoch = -1;
  private int[] cachedOrder;
  private CodecSpec codecUp = CodecSpec.RAW;
  private CodecSpec codecDown = CodecSpec.RAW;
  private ErrorFeedback feedback;
  private boolean errorFeedback = true;
  private org.mpsl4j.engine.privacy.ClientPrivacy privacy = org.mpsl4j.engine.privacy.ClientPrivacy.NONE;

  /** The state of a step between sending activations and receiving the cut-layer gradient. */
  private record Pending(long step, NDManager scope, List<Tokens> activations, NDArray labels, int batch) {}

  /**
   * @param manager owns the model; each step's tensors live in a sub-manager of it
   * @param indices the client's share of {@code data}
   */
  public ClientSplitStep(String clientId, NDManager manager, ClientModel model, Adam optimizer, LabeledDataset data,
      int[] indices, int batchSize, long dataSeed, TensorLimits limits) {
    this.clientId = clientId;
    this.manager = manager;
    this.model = model;
    this.optimizer = optimizer;
    this.data = data;
    this.indices = indices.clone();
    this.batchSize = batchSize;
    this.dataSeed = dataSeed;
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

  /** Applies this client's defenses to its labels, activations, output gradients and reported loss. */
  public void usePrivacy(org.mpsl4j.engine.privacy.ClientPrivacy privacy) {
    this.privacy = privacy;
  }

  /** The uplink codec, e.g. for evaluation uploads (which bypass error feedback). */
  public CodecSpec codecUp() {
    return codecUp;
  }

  /** This client's sample order in an epoch: a seeded shuffle, so a step number names a batch. */
  public int[] epochOrder(int epoch) {
    return EpochOrder.of(indices, dataSeed, epoch);
  }

  private int[] cachedEpochOrder(int epoch) {
    if (epoch != cachedEpoch) {
      cachedOrder = epochOrder(epoch);
      cachedEpoch = epoch;
    }
    return cachedOrder;
  }

  /** The activations of the step's mini-batch, or null when this client's epoch is used up. */
  public Activations begin(long step, StepBegin begin) {
    drop(); // a step the server gave up on is not resumed
    optimizer.setLearningRate(begin.getLearningRate());
    int[] order = cachedEpochOrder(begin.getEpoch());
    int from = begin.getStepInEpoch() * batchSize;
    if (from >= order.length) {
      return null;
    }
    int[] batchIdx = Arrays.copyOfRange(order, from, Math.min(order.length, from + batchSize));
    NDManager scope = manager.newSubManager();
    org.mpsl4j.data.Batch batch = data.batch(batchIdx);
    batch = new org.mpsl4j.data.Batch(batch.inputs(), privacy.trainingLabels(batchIdx, batch.labels()));
    BatchTensors t = BatchTensors.of(batch, scope);
    model.zeroGradients();
    List<Tokens> acts;
    try (Autograd.Recording r = Autograd.record()) {
      acts = model.forward(t.inputs(), t.masks());
    }
    pending = new Pending(step, scope, acts, t.labels(), batchIdx.length);
    List<Tokens> sent = new java.util.ArrayList<>(); // what leaves: the backward pass runs on acts themselves
    for (Tokens a : acts) {
      sent.add(new Tokens(privacy.activations(a.values(), scope), a.mask()));
    }
    if (feedback == null) {
      return activations(model.config(), sent, codecUp);
    }
    Activations.Builder a = Activations.newBuilder();
    for (int i = 0; i < sent.size(); i++) {
      a.addInputs(input(model.config(), sent, i, feedback.encode(i, sent.get(i).values(), scope)));
    }
    return a.build();
  }

  /** The loss of the received outputs against this client's labels, and its scaled gradient. */
  public OutputGrad outputGradient(long step, Outputs outputs) {
    if (pending == null || pending.step() != step) {
      throw new IllegalStateException("client '" + clientId + "': outputs for step " + step
          + " but the pending step is " + (pending == null ? "none" : pending.step()));
    }
    NDManager scope = pending.scope();
    NDArray z = Autograd.leaf(TensorCodec.decode(outputs.getValues(), scope, limits, "outputs"));
    float loss;
    NDArray logits;
    try (Autograd.Recording r = Autograd.record()) {
      logits = model.outputs(z); // with the head on the client, z is the representation and its gradient goes back
      NDArray l = Losses.crossEntropy(logits, pending.labels());
      Autograd.backward(l);
      loss = l.getFloat();
    }
    int correct = Losses.correct(logits, pending.labels());
    int total = Math.max(1, outputs.getTotalBatch());
    NDArray scaled = privacy.outputGradient(z.getGradient().mul(scope.create((float) pending.batch() / total)), scope);
    OutputGrad.Builder og = OutputGrad.newBuilder().setGrad(TensorCodec.encode(scaled));
    return privacy.reportsLoss() ? og.setLoss(loss).setCorrect(correct).build() : og.build();
  }

  /**
   * Backpropagates the cut-layer gradient and steps the optimizer; ignores a gradient for another step.
   *
   * @return whether the gradient was applied
   */
  public boolean applyCutGradient(long step, CutGrad cutGrad) {
    if (pending == null || pending.step() != step) {
      return false; // a gradient for a batch this client no longer holds is never applied to another
    }
    try {
      List<org.mpsl4j.protocol.v1.Tensor> grads = cutGrad.getGradsList();
      if (grads.size() != pending.activations().size()) {
        throw new IllegalStateException("cut gradient has " + grads.size() + " tensors for "
            + pending.activations().size() + " inputs");
      }
      for (int i = 0; i < grads.size(); i++) {
        NDArray g = TensorCodec.decode(grads.get(i), pending.scope(), limits, "cut gradient " + i, codecDown);
        Autograd.backward(pending.activations().get(i).values(), g);
      }
      optimizer.step(model.namedParameters(), pending.scope());
      return true;
    } finally {
      drop();
    }
  }

  /** The client's optimizer (for checkpoints). */
  public Adam optimizer() {
    return optimizer;
  }

  /** Frees a pending step, if any. */
  public void drop() {
    if (pending != null) {
      pending.scope().close();
      pending = null;
    }
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
    drop();
    if (feedback != null) {
      feedback.close();
    }
  }
}
