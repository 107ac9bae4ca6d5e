package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import org.mpsl4j.core.port.SplitStepRunner;
import org.mpsl4j.core.step.ServerSideLoss;
import org.mpsl4j.core.step.ServerSplitStep;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.ServerModel;
import org.mpsl4j.model.train.Adam;
import org.mpsl4j.protocol.v1.ErrorCode;

/**
 * The MPSL server: one {@link ServerModel} and one optimizer for all clients.
 *
 * <p>Life-cycle: a transport calls {@link #connect(Peer)} per client stream, {@link #receive} for
 * every inbound message and {@link #disconnected} when a stream ends; {@link #train} then runs the
 * whole schedule on the calling thread and returns when training is done. Inbound messages are
 * queued and consumed only by the training thread, so the model is never touched concurrently.
 *
 * <p>Per step ({@link SplitStepRunner} over {@link GrpcCohort}, {@link ServerSplitStep}): every
 * connected client gets {@code StepBegin}; the activations that arrive before the deadline are
 * concatenated for one forward pass; each client gets its slice of the outputs; the output gradients
 * that arrive in time are renormalized to the clients that sent them and go through one backward pass;
 * one optimizer step (none if no gradient came); each client that counted gets its slice of the
 * cut-layer gradient.
 *
 * <p>This class wires the parts and is the face of the server to the transport and the caller; the schedule is
 * {@link EpochLoop}, and which variant of the method runs (the {@code with...} settings, checked against one another)
 * is {@link ServerVariants}.
 */
public final class MpslServer implements AutoCloseable {
  private final ServerConfig config;
  private final ModelConfig modelConfig;
  private final NDManager manager;
  private final ServerModel model;
  private final Adam optimizer;
  private final TokenizerAverage tokenizerAverage;
  private final Map<Long, Session> sessions = new ConcurrentHashMap<>();
  private final BlockingQueue<Inbound> inbox = new LinkedBlockingQueue<>();
  private final ServerObservers observers = new ServerObservers();
  private final Rejections rejections = new Rejections(observers);
  private final Admission admission;
  private final ServerCheckpointing checkpoints;
  private final SharedTokenizerStep sharedTokenizer;
  private final EpochEndAverage epochEndAverage;
  private final Roster roster;
  private final EpochEndRound epochEnd;
  private final ServerVariants variants;
  private final EpochLoop loop;

  /** Builds the server model from {@code modelSeed} (the same seed clients use for their tokenizers). */
  public MpslServer(ServerConfig config, ModelConfig modelConfig, long modelSeed) {
    this.config = config;
    this.modelConfig = modelConfig;
    manager = NDManager.newBaseManager();
    // Same draw order as every client and as centralized training: tokenizers first, then the server
    // part, so all of them start from one and the same model.
    Random rng = new Random(modelSeed);
    tokenizerAverage = new TokenizerAverage(manager, modelConfig, rng);
    model = new ServerModel(manager, modelConfig, rng);
    optimizer = new Adam(manager, config.learningRate());
    Map<String, ai.djl.ndarray.types.Shape> shapes = new LinkedHashMap<>();
    tokenizerAverage.averagedParameters().forEach((n, p) -> shapes.put(n, p.shape()));
    ReplyCollector collector = new ReplyCollector(inbox, sessions);
    StepPhases phases = new StepPhases(collector, modelConfig, config.maxClientBatch(), shapes);
    epochEndAverage = new EpochEndAverage(tokenizerAverage, phases, collector, shapes);
    admission = new Admission(config, modelConfig, sessions, inbox, rejections, observers);
    checkpoints = new ServerCheckpointing(config, modelConfig, modelSeed);
    TokenizerSync tokenizerSync = new TokenizerSync(phases, tokenizerAverage);
    roster = new Roster(sessions, admission, config);
    sharedTokenizer = new SharedTokenizerStep(phases, tokenizerAverage, tokenizerSync, manager, config.learningRate());
    epochEnd = new EpochEndRound(model, epochEndAverage, tokenizerSync, sharedTokenizer, phases,
        config.stepDeadline());
    variants = new ServerVariants(config, modelConfig, modelSeed, manager, model, optimizer, tokenizerAverage.model(),
        epochEndAverage, sharedTokenizer, checkpoints);
    loop = new EpochLoop(config, manager, model, tokenizerAverage.model(), optimizer, variants, roster, admission,
        checkpoints, phases, sharedTokenizer, tokenizerSync, epochEnd, observers, rejections);
    admission.welcomeExtras(w -> checkpoints.welcome(w, loop.globalStep()).setSharedTokenizer(
        variants.tokenizerPolicy().sharedGradients()).setSharedTables(variants.tokenizerPolicy().sharedTables())
        .setSpreadBatches(roster.spreads()));
  }

  /**
   * How clients' tokenizers are kept together (default {@link TokenizerPolicy#PAPER}: never synchronized).
   * Server and clients need no other setting: the server asks for uploads and sends the average.
   */
  public MpslServer withTokenizerPolicy(TokenizerPolicy policy) {
    variants.tokenizerPolicy(policy);
    return this;
  }

  /**
   * Skips the personalized evaluation at every epoch end (the clients are told in EpochEnd, and send no test share).
   * For a host that knows the personalized figure already: the embedded simulation, where the clients hold this
   * server's one tokenizer and their test shares partition its test set, so that figure is the global one.
   */
  public MpslServer withoutPersonalizedEvaluation() {
    epochEnd.skipEvaluation(true);
    return this;
  }

  /**
   * Why server checkpoints cannot resume a run with this policy, or null. The client adversary is server state that
   * {@link ServerCheckpoint} does not hold, so a resumed run would quietly differ from an uninterrupted one; such runs
   * are refused checkpoints instead. The shared tokenizer (FedSGD) and its optimizer are in the checkpoint.
   */
  public static String checkpointRefusal(TokenizerPolicy policy) {
    if (policy.clientAdversary() != 0) {
      return "server checkpoints do not hold the client adversary (--client-adversary), so a resumed run would"
          + " differ from an uninterrupted one";
    }
    return null;
  }

  /**
   * Runs each step's server forward and backward in passes of at most {@code chunk} samples (0, the
   * default: one pass), accumulating the gradients into one optimizer step; see {@link ServerSplitStep}.
   * Call before {@link #train}.
   *
   * @throws IllegalArgumentException if {@code chunk} is negative, the encoder has dropout, or a client adversary
   *     is on (it needs one pass)
   */
  public MpslServer withServerChunk(int chunk) {
    variants.serverChunk(chunk);
    return this;
  }

  /**
   * Securely aggregates the epoch-end average (engine.secagg): clients send masked shares instead of their
   * tokenizers, and the server learns only the sample-weighted sum. Call before {@link #train}.
   *
   * @throws IllegalStateException if the tokenizer policy also synchronizes within epochs (those uploads would be in
   *     the clear)
   */
  public MpslServer withSecureAggregation() {
    variants.secureAggregation();
    return this;
  }

  /**
   * Secure aggregation whose sum only the clients can decode: each client's share also carries a pad from a secret
   * the clients share ({@code --client-seed}); the server sends the padded sum back and never holds the average, so
   * its {@link #globalTokenizers} stay at their initial values ({@link #holdsGlobalTokenizers} is false). Call before
   * {@link #train}.
   *
   * @throws IllegalStateException as {@link #withSecureAggregation}
   */
  public MpslServer withPrivateAverage() {
    variants.privateAverage();
    return this;
  }

  /**
   * Shamir's threshold t of secure aggregation: how many survivors' shares rebuild a client's mask secrets. Default
   * ⌊2n/3⌋ + 1 of each round's n parties; a round where t is out of range (n/2, n] ends without an average.
   *
   * @throws IllegalArgumentException if t is below 2 (no round of at least 3 parties could use it)
   */
  public MpslServer withSecAggThreshold(int t) {
    variants.secAggThreshold(t);
    return this;
  }

  /** Whether {@link #globalTokenizers} hold the clients' average (not with {@link #withPrivateAverage}). */
  public boolean holdsGlobalTokenizers() {
    return !epochEndAverage.privateAverage();
  }

  /** Why secure-aggregation rounds ended without a new average (empty when all finished or it is off). */
  public List<String> secureAggregationNotes() {
    return epochEndAverage.notes();
  }

  /**
   * Continues the run of {@code checkpoint} instead of starting one: loads the model, global tokenizers
   * and optimizer, and {@link #train} goes on with the step after it. Call before {@link #train}.
   *
   * @throws IllegalArgumentException if the checkpoint is of another model or other run settings
   * @throws IOException if the checkpoint cannot be read
   */
  public void resumeFrom(ServerCheckpoint checkpoint) throws IOException {
    loop.resumeFrom(checkpoint);
  }

  /** The run id in checkpoints and Welcomes. */
  public String runId() {
    return checkpoints.runId();
  }

  /** The global step of the checkpoint this server resumed from, or 0. */
  public long resumedStep() {
    return checkpoints.resumedFrom() == null ? 0 : checkpoints.resumedFrom().globalStep();
  }

  /** The global step of the last completed step (0 before training). */
  public long globalStep() {
    return loop.globalStep();
  }

  /**
   * After a resume: training steps that clients had applied beyond the checkpoint when they came back,
   * the most of any client (as their Hellos reported); these steps are done again. 0 otherwise.
   */
  public long stepsRedone() {
    return checkpoints.stepsRedone();
  }

  public ServerModel model() {
    return model;
  }

  /** The sample-weighted FedAvg of the clients' tokenizers from the last epoch end (initial weights before). */
  public org.mpsl4j.model.ClientModel globalTokenizers() {
    return tokenizerAverage.model();
  }

  public ModelConfig modelConfig() {
    return modelConfig;
  }

  /** Registers a new stream without a certified identity (plaintext, server-only TLS, in-process). */
  public SessionStream connect(Peer peer) {
    return connect(peer, null);
  }

  /**
   * Registers a new stream. The session exists only once its Hello is accepted.
   *
   * @param certifiedClientId the client id the transport proved (mutual TLS: the certificate's CN),
   *     or null; when set, only a Hello for this client id is accepted
   */
  public SessionStream connect(Peer peer, String certifiedClientId) {
    return admission.open(peer, certifiedClientId);
  }

  /**
   * Every Error this server sent so far, by code: refused Hellos and streams, malformed, stale,
   * duplicated or unexpected messages, and clients left out of a phase ({@code DEADLINE_MISSED}).
   */
  public Map<ErrorCode, Long> rejections() {
    return rejections.snapshot();
  }

  /** Steps whose optimizer update was skipped because the gradients were not finite. */
  public long skippedSteps() {
    return loop.skippedSteps();
  }

  /** Which cut-layer codecs a Hello may ask for (default: any valid one). */
  public MpslServer acceptCodecs(CodecPolicy policy) {
    admission.setCodecPolicy(policy);
    return this;
  }

  /**
   * The training-set size of every client id, where the server knows the partition (simulation, or
   * processes that derive the same seeded partition): a Hello that declares another size, or comes from
   * an id outside it, is refused. Without it any size is accepted.
   */
  public MpslServer expectTrainSamples(Map<String, Integer> samplesByClient) {
    admission.setExpectedSamples(samplesByClient);
    return this;
  }

  /**
   * Spread client batches ({@code --client-batches spread}, {@link org.mpsl4j.core.data.SpreadBatches}): an epoch
   * has T = ⌈n/B⌉ steps for the clients' n samples and server batch {@code serverBatch}, and the Welcome tells the
   * clients T, over which each slices its data so that it takes part in every step. Call before {@link #train}.
   */
  public MpslServer spreadBatches(int serverBatch) {
    roster.spreadBatches(serverBatch);
    return this;
  }

  /**
   * Caps the training-set size a Hello may declare (a deployment policy: the server knows no partition, and a
   * client's size sets the epoch length for everyone); a Hello over it is refused naming the cap.
   */
  public MpslServer limitTrainSamples(int max) {
    admission.setMaxTrainSamples(max);
    return this;
  }

  /**
   * Computes the loss on the server over each step's whole concatenated batch ({@link ServerSideLoss})
   * instead of on each client over its own; call before {@link #train}.
   *
   * @throws IllegalArgumentException if the model's loss needs the clients' labels (classification)
   */
  public MpslServer useServerSideLoss(ServerSideLoss loss) {
    ServerSideLoss.checkAllowed(modelConfig);
    loop.useServerSideLoss(loss);
    return this;
  }

  /** How long a new stream may take to say Hello before it is closed (default 30 s). */
  void setHelloTimeout(Duration timeout) {
    admission.setHelloTimeout(timeout);
  }

  /**
   * Waits for the expected clients, then trains every epoch. {@code onEpoch} runs on this thread
   * after each epoch's tokenizer averaging, so it may evaluate the model safely.
   *
   * @throws IllegalStateException if too few clients join within the join timeout
   */
  public List<EpochStats> train(Consumer<EpochStats> onEpoch) throws InterruptedException {
    return loop.train(onEpoch);
  }

  /** The connected sessions in the order of the concatenated batch ({@link Roster#connected}). */
  List<Session> connected() {
    return roster.connected();
  }

  /** Adds an observer of sessions, refusals, steps and epochs (see {@link ServerObserver}); call before training. */
  public MpslServer observe(ServerObserver observer) {
    observers.add(observer);
    return this;
  }

  /**
   * A transport refused a connection before any session existed (e.g. a TLS handshake); reported to the observers
   * with the client unknown.
   */
  public void transportRefused(String reason, String detail) {
    observers.rejected("", reason, detail);
  }

  /** Called on the training thread after every step, e.g. to drive a progress bar. */
  public void onProgress(ProgressListener listener) {
    loop.onProgress(listener);
  }

  /** Progress of training, step by step. */
  @FunctionalInterface
  public interface ProgressListener {
    void stepDone(int epoch, int stepInEpoch, int stepsPerEpoch);
  }

  /** Updates of the shared tokenizer so far (FedSGD on the tokenizers; restored with a checkpoint); 0 without it. */
  public long sharedTokenizerSteps() {
    return sharedTokenizer.optimizer().steps();
  }

  /** Optimizer updates of the server model so far (restored with a checkpoint). */
  public long optimizerSteps() {
    return optimizer.steps();
  }

  /** The optimizer's moments by {@code exp_avg.<name>} and {@code exp_avg_sq.<name>} (live arrays: do not close). */
  Map<String, NDArray> optimizerState() {
    return CheckpointFiles.tensors("", Map.of(), optimizer);
  }

  /** Number of optimizer state tensors: one pair per trained server parameter, never per client. */
  public int optimizerStateCount() {
    return optimizer.state("exp_avg").size() + optimizer.state("exp_avg_sq").size();
  }

  /**
   * Training bytes exchanged per client id so far, {up, down}: every message of the method (steps,
   * tokenizer averaging, control), measured serialized; evaluation traffic is not included.
   */
  public Map<String, long[]> bytesByClient() {
    return Session.bytesByClient(sessions.values(), false);
  }

  /** Personalized-evaluation bytes per client id so far, {up, down}. */
  public Map<String, long[]> evaluationBytesByClient() {
    return Session.bytesByClient(sessions.values(), true);
  }

  @Override
  public void close() {
    for (Session s : sessions.values()) {
      s.disconnect();
    }
    admission.close();
    manager.close();
  }
}
