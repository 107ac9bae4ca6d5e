package org.mpsl4j.engine.sim;

import ai.djl.ndarray.NDManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.engine.Evaluation;
import org.mpsl4j.engine.TestScore;
import org.mpsl4j.engine.mpsl.CodecPolicy;
import org.mpsl4j.engine.mpsl.EpochStats;
import org.mpsl4j.engine.mpsl.MessageLimits;
import org.mpsl4j.engine.mpsl.MpslServer;
import org.mpsl4j.engine.mpsl.ServerConfig;
import org.mpsl4j.model.macs.MacCounter;
import org.mpsl4j.model.macs.MacReport;

/**
 * The server's half of an MPSL experiment as a deployed {@code server} process builds it: from the run's settings
 * and, optionally, a test set of the server's own. It takes no training data, no labels and no partition (its
 * constructor has no place for them), so what the server knows of each client's data is what the client declares
 * in its Hello, bounded by {@link #DEFAULT_MAX_TRAIN_SAMPLES} or the operator's cap, and what the messages reveal
 * (docs/PRIVACY.md). {@link MpslSetup} is the simulation's counterpart, which derives every share in one process.
 */
public final class ServerSetup {
  /** The default cap on a client's declared training-set size (it sets the epoch length for everyone). */
  public static final int DEFAULT_MAX_TRAIN_SAMPLES = 100_000;

  private final SimulationConfig config;
  private final LabeledDataset testSet;

  /** @param testSet the server's own test set for the global evaluation after each epoch, or null for none */
  public ServerSetup(SimulationConfig config, LabeledDataset testSet) {
    this.config = config;
    this.testSet = testSet;
  }

  /**
   * The largest client batch the server accepts: {@code --client-batch} with equal batches; with proportional or spread
   * ones (each client derives its own from its share, or declares the most its slices can be) the server batch N·b,
   * which no client's batch can exceed.
   */
  public int maxClientBatch() {
    return config.batches() == ClientBatches.EQUAL ? config.clientBatch() : config.clients() * config.clientBatch();
  }

  /** @param sharedToken the token every client must present; null disables the check */
  public ServerConfig serverConfig(Duration joinTimeout, String sharedToken) {
    return new ServerConfig(config.clients(), config.epochs(), config.learningRate(), config.stepLrSize(), 0.1f,
        joinTimeout, config.stepDeadline(), Map.of(), sharedToken, maxClientBatch());
  }

  /** The server accepts exactly the run's codecs. */
  public CodecPolicy codecPolicy() {
    return CodecPolicy.only(config.codecUp(), config.codecDown());
  }

  /** Largest message of this run in either direction (the transport's limit). */
  public int maxMessageBytes() {
    return MessageLimits.maxMessageBytes(config.model(), maxClientBatch());
  }

  /**
   * Whether the server holds the model's head. Not with {@code --head client-fixed}: that head never leaves the
   * clients (drawn from their seed, which may be one the server does not know), so the server's model stops at the
   * representation and is neither scored nor saved with a head.
   */
  public boolean holdsHead() {
    return config.model().head().placement() != org.mpsl4j.model.HeadConfig.Placement.CLIENT_FIXED;
  }

  /** Whether a test set was given (otherwise the global test accuracy is reported as NaN). */
  public boolean hasTestSet() {
    return testSet != null;
  }

  /**
   * One epoch's figures, with the global model evaluated on the server's test set where it has one and holds the
   * head ({@link #holdsHead}) and the averaged tokenizers (not with a private average, which only the clients can
   * decode); NaN otherwise.
   */
  public SimulationResult.Epoch epoch(MpslServer server, EpochStats s) {
    double test = Double.NaN;
    org.mpsl4j.model.retrieval.RecallAtK recall = null;
    if (testSet != null && holdsHead() && server.holdsGlobalTokenizers()) {
      TestScore score;
      try (NDManager scope = NDManager.newBaseManager()) {
        score = Evaluation.score(server.globalTokenizers(), server.model(), testSet, 256, scope);
      }
      test = score.value();
      recall = score.recall();
    }
    return new SimulationResult.Epoch(s.epoch() + 1, s.steps(), s.meanLoss(), s.trainAccuracy(), test,
        s.personalizedAccuracy(), s.seconds(), s.steps() / s.seconds(), s.missedDeadlines(), recall);
  }

  /** The whole run's figures (bytes as the server counted them, MACs of the model). */
  public SimulationResult result(MpslServer server, List<SimulationResult.Epoch> epochs, double wallSeconds) {
    MacReport macs = MacCounter.count(config.model());
    return new SimulationResult(epochs, server.bytesByClient(), server.evaluationBytesByClient(), macs.clientForward(),
        macs.clientTraining(), macs.wholeForward(), server.model().parameterCount(false), wallSeconds, Map.of());
  }
}
