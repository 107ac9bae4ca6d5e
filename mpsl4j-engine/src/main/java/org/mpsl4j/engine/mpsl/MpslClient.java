package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.model.SharedClientBase;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.model.train.Adam;
import org.mpsl4j.protocol.CodecSpec;
import org.mpsl4j.protocol.TensorLimits;
import org.mpsl4j.protocol.v1.Activations;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.Hello;
import org.mpsl4j.protocol.v1.NoData;
import org.mpsl4j.protocol.v1.OutputGrad;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.StepBegin;

/**
 * One MPSL client: its local data and labels, its tokenizers and its own optimizer. It reacts to
 * server messages ({@link #onMessage}) with replies to send; the labels are read only in
 * {@code Outputs → OutputGrad}, where the loss is computed here and only its gradient leaves (a gradient that still
 * reveals the labels unless the head runs here and it is noised: docs/PRIVACY.md).
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
  private final WireClientStep split;
  private String lastError;
  private final PersonalizedEvaluation evaluation;
  private final ClientResume resume;
  private final java.util.List<String> notes = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final ClientAggregation aggregation;
  private final TokenizerWeightsUpload upload;
  private CodecSpec codecUp = CodecSpec.RAW;
  private CodecSpec codecDown = CodecSpec.RAW;
  private org.mpsl4j.engine.privacy.ClientPrivacy privacy = org.mpsl4j.engine.privacy.ClientPrivacy.NONE;

  /**
   * A sample-weighted average of the clients' tokenizers (and trained heads) that this client decoded from the
   * padded sum of a private average (the server cannot decode it), by parameter name; {@code step} is its epoch end.
   */
  public record Average(long step, Map<String, float[]> parameters) {}

  /**
   * @param indices this client's share of {@code data} (its partition)
   * @param learningRate initial Adam learning rate; the server's StepBegin sets it per epoch
   */
  public MpslClient(ClientConfig config, ModelConfig modelConfig, LabeledDataset data, int[] indices, float learningRate) {
    this(config, modelConfig, data, indices, learningRate, null);
  }

  /**
   * As above, with the text embedding tables read from {@code shared} (the run's initial client model,
   * one per process): this client stores only the rows it trains ({@link SharedClientBase}). Null builds
   * a model of its own.
   */
  public MpslClient(ClientConfig config, ModelConfig modelConfig, LabeledDataset data, int[] indices, float learningRate,
      SharedClientBase shared) {
    if (shared != null && (!shared.config().equals(modelConfig) || shared.seed() != config.modelSeed())) {
      throw new IllegalArgumentException("client '" + config.clientId() + "' of model " + modelConfig.fingerprint()
          + " seed " + config.modelSeed() + " cannot share the initial model of " + shared.config().fingerprint()
          + " seed " + shared.seed());
    }
    if (indices.length == 0) {
      throw new IllegalArgumentException("client '" + config.clientId() + "' has no training samples");
    }
    this.config = config;
    this.modelConfig = modelConfig;
    this.indices = indices.clone();
    manager = NDManager.newBaseManager();
    model = shared == null ? new ClientModel(manager, modelConfig, new Random(config.modelSeed()))
        : new ClientModel(manager, shared);
    limits = new TensorLimits(3, 1L << 28, true);
    split = new WireClientStep(config.clientId(), manager, model, new Adam(manager, learningRate), data, indices,
        config.batchSize(), config.dataSeed(), limits);
    evaluation = new PersonalizedEvaluation(config.clientId(), modelConfig, model, manager, limits);
    resume = new ClientResume(config, modelConfig, this.indices, model, split, manager, notes);
    upload = new TokenizerWeightsUpload(modelConfig, config.modelSeed(), model, shared, manager, this.indices.length);
    aggregation = new ClientAggregation(config.clientId(), model, manager, this::message, this::note,
        upload::allParameters, upload::order, this.indices.length);
  }

  /** A refusal or failure this client reports: its last error, and one of its notes. */
  private void note(String what) {
    lastError = what;
    notes.add(what);
  }

  /**
   * Gives this client a local test share for the personalized evaluation at each epoch end: its own
   * tokenizers + the server model on its own test samples, scored here with its own labels. At most
   * {@value MessageLimits#MAX_EVAL_SAMPLES} samples.
   */
  public MpslClient withLocalTestShare(LabeledDataset test, int[] indices) {
    evaluation.testShare(test, indices);
    return this;
  }

  /**
   * Checkpoints this client's state into {@code dir} at the server's boundaries, and resumes from it
   * when a Welcome says the server continues a run at a step before this client's state.
   */
  public MpslClient withCheckpoints(java.nio.file.Path dir) {
    resume.checkpointInto(dir);
    return this;
  }

  /** The last global step whose cut gradient this client applied (0: none). */
  public long lastAppliedStep() {
    return resume.lastAppliedStep();
  }

  /** What happened on resumes and checkpoints that the operator should know (loaded, skipped, failed). */
  public java.util.List<String> notes() {
    return java.util.List.copyOf(notes);
  }

  /** The wire step, and whether this client checkpoints (StackedClients may stack it only without). */
  WireClientStep wireStep() {
    return split;
  }

  boolean checkpoints() {
    return resume.checkpointing();
  }

  /** The client's optimizer: its step count tells how many updates its state holds. */
  public org.mpsl4j.model.train.Adam optimizer() {
    return split.optimizer();
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

  /**
   * Applies client-side defenses ({@link org.mpsl4j.engine.privacy.PrivacySettings}): randomized labels, noise,
   * withheld loss; with a client seed, the tokenizers (and a client-side head) start from that seed instead of the
   * run's, and large tables are uploaded whole, since the server cannot fill in rows it does not know.
   */
  public MpslClient withPrivacy(org.mpsl4j.engine.privacy.ClientPrivacy privacy) {
    this.privacy = privacy;
    split.usePrivacy(privacy);
    Long seed = privacy.settings().clientSeed();
    if (seed != null) {
      try (NDManager scope = manager.newSubManager()) {
        Map<String, Parameter> fresh = new ClientModel(scope, modelConfig, new Random(seed)).namedParameters();
        model.namedParameters().forEach((name, p) -> p.copyFrom(fresh.get(name).array()));
      }
      aggregation.useGroupPads(org.mpsl4j.engine.secagg.GroupPads.fromClientSeed(seed)); // the group's shared secret
    }
    return this;
  }

  /** Turns error feedback of top-k activations off (on by default; see {@link WireClientStep#useErrorFeedback}). */
  public MpslClient withoutErrorFeedback() {
    split.useErrorFeedback(false);
    return this;
  }

  /** Accuracy of the last personalized evaluation (NaN before the first epoch end or without a test share). */
  public double lastPersonalizedAccuracy() {
    return evaluation.lastAccuracy();
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
        .setModelFingerprint(modelConfig.fingerprint())
        .setLastAppliedStep(resume.lastAppliedStep()).setRunId(resume.runId());
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
        resume.welcome(m.getWelcome());
        split.useCodecs(CodecSpec.fromProto(m.getWelcome().getCodecUp()),
            CodecSpec.fromProto(m.getWelcome().getCodecDown()));
        split.shareTokenizer(m.getWelcome().getSharedTokenizer(), m.getWelcome().getSharedTables());
        // The server sizes the epoch, and its Welcome alone says whether batches are spread (SpreadBatches): step s
        // takes rows [⌊s·nᵢ/T⌋, ⌊(s+1)·nᵢ/T⌋) of the epoch order, T the Welcome's steps per epoch, each slice at most
        // the batch size this client declared.
        if (m.getWelcome().getSpreadBatches()) {
          try {
            split.spreadOver(m.getWelcome().getStepsPerEpoch());
          } catch (IllegalArgumentException e) { // its share does not fit the server's epoch: fixed batches, and why
            note(e.getMessage());
          }
        }
        yield List.of();
      }
      case STEP_BEGIN -> {
        resume.catchUp(m.getStep() - 1);
        yield List.of(beginStep(m.getStep(), m.getStepBegin()));
      }
      case OUTPUTS -> List.of(message(m.getStep()).setOutputGrad(split.outputGradient(m.getStep(), m.getOutputs())).build());
      case CUT_GRAD -> {
        if (split.applyCutGradient(m.getStep(), m.getCutGrad())) {
          resume.applied(m.getStep());
        }
        yield List.of();
      }
      case EPOCH_END -> {
        resume.checkpoint(m.getStep()); // an epoch end changes nothing here: the state is that of the last step
        if (m.getEpochEnd().getSecureAggregation()) {
          List<ClientMessage> replies = new java.util.ArrayList<>(aggregation.key(m.getStep(),
              m.getEpochEnd().getPrivateAverage()));
          replies.addAll(evaluation(m));
          yield replies;
        }
        if (split.sharesTokenizer()) { // the server holds the one tokenizer: nothing to average
          yield evaluation(m);
        }
        if (aggregation.required()) {
          yield aggregation.refuseClearUpload(m.getStep(), evaluation(m));
        }
        List<ClientMessage> replies = new java.util.ArrayList<>(List.of(tokenizerWeights(m.getStep())));
        replies.addAll(evaluation(m));
        yield replies;
      }
      // Secure aggregation (engine.secagg), private averages, the private shared tokenizer: ClientAggregation.
      case SECAGG_KEYS, SECAGG_BOXES, SECAGG_RECOVER, SECAGG_SUM -> aggregation.onMessage(m, split);
      case EVAL_OUTPUTS -> List.of(message(m.getStep()).setEvalReport(evaluation.report(m.getStep(), m.getEvalOutputs()))
          .build());
      // Periodic tokenizer synchronization (TokenizerPolicy): upload on request, then continue from the average.
      // FedSGD on the tokenizers (Welcome.shared_tokenizer): the gradients instead, for the server's one optimizer.
      case TOKENIZER_SYNC -> m.getTokenizerSync().getPadded() ? aggregation.onMessage(m, split)
          : aggregation.required() ? aggregation.refuseClearUpload(m.getStep(), List.of())
          : List.of(m.getTokenizerSync().getGradients()
              ? message(m.getStep()).setTokenizerWeights(split.tokenizerGradients(indices.length)).build()
              : tokenizerWeights(m.getStep()));
      case GLOBAL_TOKENIZERS -> {
        // Refused: trains on with its own.
        String refused = GlobalTokenizerLoad.applyOrExplain(m, model, split.sharesTokenizer(), split.sharesTables(),
            manager);
        if (refused != null) {
          note(refused);
        }
        yield List.of();
      }
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

  /** An epoch end's personalized evaluation (its test activations), unless the server waived it. */
  private List<ClientMessage> evaluation(ServerMessage epochEnd) {
    return epochEnd.getEpochEnd().getSkipEvaluation() ? List.of() : List.of(evalActivations(epochEnd.getStep()));
  }

  private ClientMessage beginStep(long step, StepBegin begin) {
    Activations acts = split.begin(step, begin);
    return acts == null ? message(step).setNoData(NoData.getDefaultInstance()).build()
        : message(step).setActivations(acts).build();
  }

  private ClientMessage evalActivations(long step) {
    Activations acts = evaluation.activations(step, split.codecUp());
    return acts == null ? message(step).setNoData(NoData.getDefaultInstance()).build()
        : message(step).setEvalActivations(acts).build();
  }

  /**
   * Makes this client refuse to upload its tokenizers (and head) in the clear: it answers only epoch ends that run
   * secure aggregation, and counts as missing in the others.
   */
  public MpslClient requireSecureAggregation() {
    aggregation.require(false);
    return this;
  }

  /**
   * Makes this client refuse every epoch-end average the server could read: uploads in the clear and secure
   * aggregation without the group pads. Needs a client seed ({@link #withPrivacy}) for the pads.
   *
   * @throws IllegalStateException if this client has no client seed
   */
  public MpslClient requirePrivateAverage() {
    if (privacy.settings().clientSeed() == null) {
      throw new IllegalStateException("client '" + config.clientId() + "': a private average needs --client-seed, the"
          + " secret the clients share and the server does not know");
    }
    aggregation.require(true);
    return this;
  }

  /**
   * The last private average this client decoded, or null; with a private shared tokenizer, that tokenizer's trained
   * parameters as they are now.
   */
  public Average privateAverage() {
    return aggregation.privateAverage();
  }

  private ClientMessage tokenizerWeights(long step) {
    return message(step).setTokenizerWeights(upload.encode(privacy.sparseUploads())).build();
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
    evaluation.close();
    manager.close();
  }
}
