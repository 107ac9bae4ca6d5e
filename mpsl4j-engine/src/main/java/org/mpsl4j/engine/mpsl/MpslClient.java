package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mpsl4j.data.Batch;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.engine.BatchTensors;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.model.tokenizer.Tokens;
import org.mpsl4j.model.train.Adam;
import org.mpsl4j.model.train.Losses;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.TensorLimits;
import org.mpsl4j.protocol.v1.Activations;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.EvalReport;
import org.mpsl4j.protocol.v1.Hello;
import org.mpsl4j.protocol.v1.InputActivation;
import org.mpsl4j.protocol.v1.NamedTensor;
import org.mpsl4j.protocol.v1.NoData;
import org.mpsl4j.protocol.v1.OutputGrad;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.StepBegin;
import org.mpsl4j.protocol.v1.TokenizerWeights;

/**
 * One MPSL client: its local data and labels, its tokenizers and its own optimizer. It reacts to
 * server messages ({@link #onMessage}) with replies to send; the labels are used only in
 * {@code Outputs → OutputGrad}, where the loss is computed here and only its gradient leaves.
 *
 * <p>Not thread-safe: the transport delivers one message at a time. {@link #close()} frees the model.
 */
public final class MpslClient implements AutoCloseable {
  private final ClientConfig config;
  private final ModelConfig modelConfig;
  private final LabeledDataset data;
  private final int[] indices;
  private final NDManager manager;
  private final ClientModel model;
  private final Adam optimizer;
  private final TensorLimits limits;
  private long sessionId;
  private boolean done;
  private Pending pending;
  private String lastError;
  private LabeledDataset testData;
  private int[] testIndices = new int[0];
  private Eval pendingEval;
  private double lastPersonalizedAccuracy = Double.NaN;

  /** A personalized evaluation between sending test activations and receiving their outputs. */
  private record Eval(long step, NDManager scope, NDArray labels) {}

  /** The state of a step between sending activations and receiving the cut-layer gradient. */
  private record Pending(long step, NDManager scope, List<Tokens> activations, NDArray labels, int batch) {}

  /**
   * @param indices this client's share of {@code data} (its partition)
   * @param learningRate initial Adam learning rate; the server's StepBegin sets it per epoch
   */
  public MpslClient(ClientConfig config, ModelConfig modelConfig, LabeledDataset data, int[] indices, float learningRate) {
    if (indices.length == 0) {
      throw new IllegalArgumentException("client '" + config.clientId() + "' has no training samples");
    }
    this.config = config;
    this.modelConfig = modelConfig;
    this.data = data;
    this.indices = indices.clone();
    manager = NDManager.newBaseManager();
    model = new ClientModel(manager, modelConfig, new Random(config.modelSeed()));
    optimizer = new Adam(manager, learningRate);
    limits = new TensorLimits(3, 1L << 28, true);
  }

  /**
   * Gives this client a local test share for the personalized evaluation at each epoch end: its own
   * tokenizers + the server model on its own test samples, scored here with its own labels. At most
   * {@value StepPhases#MAX_EVAL_SAMPLES} samples.
   */
  public MpslClient withLocalTestShare(LabeledDataset test, int[] indices) {
    if (indices.length > StepPhases.MAX_EVAL_SAMPLES) {
      throw new IllegalArgumentException("client '" + config.clientId() + "' local test share of " + indices.length
          + " samples exceeds " + StepPhases.MAX_EVAL_SAMPLES);
    }
    this.testData = test;
    this.testIndices = indices.clone();
    return this;
  }

  /** Accuracy of the last personalized evaluation (NaN before the first epoch end or without a test share). */
  public double lastPersonalizedAccuracy() {
    return lastPersonalizedAccuracy;
  }

  public ClientModel model() {
    return model;
  }

  public String clientId() {
    return config.clientId();
  }

  public boolean done() {
    return done;
  }

  /** The last error the server reported to this client, or null. */
  public String lastError() {
    return lastError;
  }

  public ClientMessage hello() {
    return ClientMessage.newBuilder().setHello(Hello.newBuilder()
        .setClientId(config.clientId()).setToken(config.token())
        .addAllInputs(modelConfig.tokenizers().stream().map(TokenizerSpec::input).toList())
        .setTrainSamples(indices.length).setBatchSize(config.batchSize())).build();
  }

  /** Handles one server message and returns the replies to send (often none). */
  public List<ClientMessage> onMessage(ServerMessage m) {
    return switch (m.getBodyCase()) {
      case WELCOME -> {
        sessionId = m.getSessionId();
        yield List.of();
      }
      case STEP_BEGIN -> List.of(beginStep(m.getStep(), m.getStepBegin()));
      case OUTPUTS -> List.of(outputGradient(m));
      case CUT_GRAD -> {
        applyCutGradient(m);
        yield List.of();
      }
      case EPOCH_END -> List.of(tokenizerWeights(m.getStep()), evalActivations(m.getStep()));
      case EVAL_OUTPUTS -> List.of(evalReport(m));
      case DONE -> {
        done = true;
        dropPending();
        yield List.of();
      }
      case ERROR -> {
        lastError = m.getError().getCode() + ": " + m.getError().getMessage();
        yield List.of();
      }
      default -> List.of();
    };
  }

  private ClientMessage beginStep(long step, StepBegin begin) {
    dropPending(); // a step the server gave up on is not resumed
    optimizer.setLearningRate(begin.getLearningRate());
    int[] order = epochOrder(begin.getEpoch());
    int from = begin.getStepInEpoch() * config.batchSize();
    if (from >= order.length) {
      return message(step).setNoData(NoData.getDefaultInstance()).build();
    }
    int[] batchIdx = Arrays.copyOfRange(order, from, Math.min(order.length, from + config.batchSize()));
    Batch batch = data.batch(batchIdx);
    NDManager scope = manager.newSubManager();
    BatchTensors t = BatchTensors.of(batch, scope);
    model.zeroGradients();
    List<Tokens> acts;
    try (Autograd.Recording r = Autograd.record()) {
      acts = model.forward(t.inputs(), t.masks());
    }
    pending = new Pending(step, scope, acts, t.labels(), batchIdx.length);
    return message(step).setActivations(activations(acts)).build();
  }

  private Activations activations(List<Tokens> acts) {
    Activations.Builder a = Activations.newBuilder();
    for (int i = 0; i < acts.size(); i++) {
      InputActivation.Builder ia = InputActivation.newBuilder()
          .setInput(modelConfig.tokenizers().get(i).input()).setValues(TensorCodec.encode(acts.get(i).values()));
      if (acts.get(i).mask() != null) {
        ia.setMask(TensorCodec.encode(acts.get(i).mask()));
      }
      a.addInputs(ia);
    }
    return a.build();
  }

  private ClientMessage outputGradient(ServerMessage m) {
    if (pending == null || pending.step() != m.getStep()) {
      throw new IllegalStateException("outputs for step " + m.getStep() + " but the pending step is "
          + (pending == null ? "none" : pending.step()));
    }
    NDManager scope = pending.scope();
    NDArray z = Autograd.leaf(TensorCodec.decode(m.getOutputs().getValues(), scope, limits, "outputs"));
    float loss;
    int correct;
    try (Autograd.Recording r = Autograd.record()) {
      NDArray l = Losses.crossEntropy(z, pending.labels());
      Autograd.backward(l);
      loss = l.getFloat();
    }
    correct = Losses.correct(z, pending.labels());
    int total = Math.max(1, m.getOutputs().getTotalBatch());
    NDArray scaled = z.getGradient().mul(scope.create((float) pending.batch() / total));
    return message(m.getStep()).setOutputGrad(OutputGrad.newBuilder()
        .setGrad(TensorCodec.encode(scaled)).setLoss(loss).setCorrect(correct)).build();
  }

  private void applyCutGradient(ServerMessage m) {
    if (pending == null || pending.step() != m.getStep()) {
      return; // a gradient for a step we no longer hold: ignore it rather than apply it to another batch
    }
    try {
      List<org.mpsl4j.protocol.v1.Tensor> grads = m.getCutGrad().getGradsList();
      if (grads.size() != pending.activations().size()) {
        throw new IllegalStateException("cut gradient has " + grads.size() + " tensors for "
            + pending.activations().size() + " inputs");
      }
      for (int i = 0; i < grads.size(); i++) {
        NDArray g = TensorCodec.decode(grads.get(i), pending.scope(), limits, "cut gradient " + i);
        Autograd.backward(pending.activations().get(i).values(), g);
      }
      optimizer.step(model.namedParameters(), pending.scope());
    } finally {
      dropPending();
    }
  }

  private ClientMessage evalActivations(long step) {
    dropEval();
    if (testIndices.length == 0) {
      return message(step).setNoData(NoData.getDefaultInstance()).build();
    }
    NDManager scope = manager.newSubManager();
    BatchTensors t = BatchTensors.of(testData.batch(testIndices), scope);
    List<Tokens> acts;
    try (Autograd.NoGrad ng = Autograd.noGrad()) {
      acts = model.forward(t.inputs(), t.masks());
    }
    pendingEval = new Eval(step, scope, t.labels());
    return message(step).setEvalActivations(activations(acts)).build();
  }

  private ClientMessage evalReport(ServerMessage m) {
    if (pendingEval == null || pendingEval.step() != m.getStep()) {
      throw new IllegalStateException("evaluation outputs for step " + m.getStep() + " without a pending evaluation");
    }
    try {
      NDArray z = TensorCodec.decode(m.getEvalOutputs().getValues(), pendingEval.scope(), limits, "evaluation outputs");
      int correct = Losses.correct(z, pendingEval.labels());
      int total = (int) pendingEval.labels().getShape().get(0);
      lastPersonalizedAccuracy = (double) correct / total;
      return message(m.getStep()).setEvalReport(EvalReport.newBuilder().setCorrect(correct).setTotal(total)).build();
    } finally {
      dropEval();
    }
  }

  private void dropEval() {
    if (pendingEval != null) {
      pendingEval.scope().close();
      pendingEval = null;
    }
  }

  private ClientMessage tokenizerWeights(long step) {
    TokenizerWeights.Builder w = TokenizerWeights.newBuilder().setSamples(indices.length);
    for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
      w.addParameters(NamedTensor.newBuilder().setName(e.getKey()).setTensor(TensorCodec.encode(e.getValue().array())));
    }
    return message(step).setTokenizerWeights(w).build();
  }

  /** This client's sample order in an epoch: a seeded shuffle, so a step number names a batch. */
  public int[] epochOrder(int epoch) {
    int[] order = indices.clone();
    Random rng = new Random(config.dataSeed() * 1_000_003L + epoch);
    for (int i = order.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  private ClientMessage.Builder message(long step) {
    return ClientMessage.newBuilder().setSessionId(sessionId).setStep(step);
  }

  private void dropPending() {
    if (pending != null) {
      pending.scope().close();
      pending = null;
    }
  }

  @Override
  public void close() {
    dropPending();
    dropEval();
    manager.close();
  }
}
