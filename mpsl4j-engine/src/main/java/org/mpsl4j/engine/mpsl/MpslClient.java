package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
import org.mpsl4j.protocol.CodecSpec;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.TensorLimits;
import org.mpsl4j.protocol.v1.Activations;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.EvalReport;
import org.mpsl4j.protocol.v1.Hello;
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
  private final int[] indices;
  private final NDManager manager;
  private final ClientModel model;
  private final TensorLimits limits;
  private long sessionId;
  private boolean done;
  private final ClientSplitStep split;
  private String lastError;
  private LabeledDataset testData;
  private int[] testIndices = new int[0];
  private Eval pendingEval;
  private double lastPersonalizedAccuracy = Double.NaN;
  private CodecSpec codecUp = CodecSpec.RAW;
  private CodecSpec codecDown = CodecSpec.RAW;

  /** A personalized evaluation between sending test activations and receiving their outputs. */
  private record Eval(long step, NDManager scope, NDArray labels) {}

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
    this.indices = indices.clone();
    manager = NDManager.newBaseManager();
    model = new ClientModel(manager, modelConfig, new Random(config.modelSeed()));
    limits = new TensorLimits(3, 1L << 28, true);
    split = new ClientSplitStep(config.clientId(), manager, model, new Adam(manager, learningRate), data, indices,
        config.batchSize(), config.dataSeed(), limits);
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

  /**
   * Asks the server for these codecs in Hello: {@code up} for cut-layer activations (training and
   * evaluation; top-k with error feedback), {@code down} for cut-layer gradients. The Welcome's answer
   * is what the client then uses (a server that predates codecs answers nothing: RAW).
   */
  public MpslClient withCodecs(CodecSpec up, CodecSpec down) {
    this.codecUp = up;
    this.codecDown = down;
    split.useCodecs(up, down);
    return this;
  }

  /** Turns error feedback of top-k activations off (on by default; see {@link ClientSplitStep#useErrorFeedback}). */
  public MpslClient withoutErrorFeedback() {
    split.useErrorFeedback(false);
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
    Hello.Builder h = Hello.newBuilder()
        .setClientId(config.clientId()).setToken(config.token())
        .addAllInputs(modelConfig.tokenizers().stream().map(TokenizerSpec::input).toList())
        .setTrainSamples(indices.length).setBatchSize(config.batchSize())
        .setModelFingerprint(modelConfig.fingerprint());
    if (codecUp.lossy()) { // RAW is the default: a RAW client's Hello stays as it was before codecs
      h.setCodecUp(codecUp.toProto());
    }
    if (codecDown.lossy()) {
      h.setCodecDown(codecDown.toProto());
    }
    return ClientMessage.newBuilder().setHello(h).build();
  }

  /** Handles one server message and returns the replies to send (often none). */
  public List<ClientMessage> onMessage(ServerMessage m) {
    return switch (m.getBodyCase()) {
      case WELCOME -> {
        sessionId = m.getSessionId();
        split.useCodecs(CodecSpec.fromProto(m.getWelcome().getCodecUp()),
            CodecSpec.fromProto(m.getWelcome().getCodecDown()));
        yield List.of();
      }
      case STEP_BEGIN -> List.of(beginStep(m.getStep(), m.getStepBegin()));
      case OUTPUTS -> List.of(message(m.getStep()).setOutputGrad(split.outputGradient(m.getStep(), m.getOutputs())).build());
      case CUT_GRAD -> {
        split.applyCutGradient(m.getStep(), m.getCutGrad());
        yield List.of();
      }
      case EPOCH_END -> List.of(tokenizerWeights(m.getStep()), evalActivations(m.getStep()));
      case EVAL_OUTPUTS -> List.of(evalReport(m));
      case DONE -> {
        done = true;
        split.drop();
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
    Activations acts = split.begin(step, begin);
    return acts == null ? message(step).setNoData(NoData.getDefaultInstance()).build()
        : message(step).setActivations(acts).build();
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
    return message(step).setEvalActivations(ClientSplitStep.activations(modelConfig, acts, split.codecUp())).build();
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
    return split.epochOrder(epoch);
  }

  private ClientMessage.Builder message(long step) {
    return ClientMessage.newBuilder().setSessionId(sessionId).setStep(step);
  }

  @Override
  public void close() {
    split.close();
    dropEval();
    manager.close();
  }
}
