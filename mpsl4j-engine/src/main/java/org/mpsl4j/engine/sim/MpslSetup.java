package org.mpsl4j.engine.sim;

import ai.djl.ndarray.NDManager;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.data.partition.Partitioner;
import org.mpsl4j.engine.Evaluation;
import org.mpsl4j.engine.mpsl.ClientConfig;
import org.mpsl4j.engine.mpsl.CodecPolicy;
import org.mpsl4j.engine.mpsl.EpochStats;
import org.mpsl4j.engine.mpsl.MessageLimits;
import org.mpsl4j.engine.mpsl.MpslClient;
import org.mpsl4j.engine.mpsl.MpslServer;
import org.mpsl4j.engine.mpsl.ServerConfig;
import org.mpsl4j.model.macs.MacCounter;
import org.mpsl4j.model.macs.MacReport;

/**
 * Builds the server and the clients of one MPSL experiment from its settings, the same way for the
 * embedded simulation and for separate {@code server} / {@code client} processes: a client process
 * started with the same settings and index holds exactly the data of simulated client i.
 */
public final class MpslSetup implements AutoCloseable {
  private final SimulationConfig config;
  private final DatasetSplit data;
  private final Partition partition;
  private final List<int[]> testShares;
  /** The initial client model every client of this process reads its text tables from (built on first use). */
  private org.mpsl4j.model.SharedClientBase sharedBase;

  public MpslSetup(SimulationConfig config, DatasetSplit data, Partition partition) {
    if (partition.numClients() != config.clients()) {
      throw new IllegalArgumentException("partition has " + partition.numClients() + " clients but the run expects "
          + config.clients());
    }
    this.config = config;
    this.data = data;
    this.partition = partition;
    this.testShares = LocalTestShares.split(partition, data.train().labels(), data.test().labels(),
        data.train().numClasses(), config.seed() + 7);
  }

  /**
   * The seeded client partition of a training set: IID for alpha ≥ 1e4, else Dirichlet(alpha) per
   * class with at least {@code minPerClient} samples each. Deterministic, so a server and separate
   * client processes compute the same one.
   */
  public static Partition partition(LabeledDataset train, int clients, double alpha, int minPerClient, long seed) {
    int[] labels = train.labels();
    return alpha >= 1e4
        ? Partitioner.iid(labels.length, clients, seed)
        : Partitioner.dirichlet(labels, train.numClasses(), clients, alpha, minPerClient, seed);
  }

  /** The id simulated client {@code index} authenticates as. */
  public static String clientId(int index) {
    return "client-" + index;
  }

  public Partition partition() {
    return partition;
  }

  /** @param sharedToken the token every client must present; null disables the check */
  public ServerConfig serverConfig(Duration joinTimeout, String sharedToken) {
    return new ServerConfig(config.clients(), config.epochs(), config.learningRate(), config.stepLrSize(), 0.1f,
        joinTimeout, config.stepDeadline(), Map.of(), sharedToken, maxClientBatch());
  }

  /** Each client id's training-set size in this run's partition (see {@link MpslServer#expectTrainSamples}). */
  public Map<String, Integer> trainSamplesByClient() {
    Map<String, Integer> out = new java.util.LinkedHashMap<>();
    for (int i = 0; i < config.clients(); i++) {
      out.put(clientId(i), partition.client(i).length);
    }
    return out;
  }

  /** The server accepts exactly the run's codecs (see {@link MpslServer#acceptCodecs}). */
  public CodecPolicy codecPolicy() {
    return CodecPolicy.only(config.codecUp(), config.codecDown());
  }

  /** Sizes the server's epochs for this run's client batches ({@link ClientBatches#configure}). */
  public MpslServer configureBatches(MpslServer server) {
    return config.batches().configure(server, config.clients(), config.clientBatch());
  }

  /** How the server keeps the clients' tokenizers together (see {@link MpslServer#withTokenizerPolicy}). */
  public org.mpsl4j.engine.mpsl.TokenizerPolicy tokenizerPolicy() {
    return config.tokenizers();
  }

  /** Samples per server pass (0: one pass over the step's batch; see {@link MpslServer#withServerChunk}). */
  public int serverChunk() {
    return config.serverChunk();
  }

  /** Largest message of this run in either direction (for transports that enforce a limit). */
  public int maxMessageBytes() {
    return MessageLimits.maxMessageBytes(config.model(), maxClientBatch());
  }

  /** The largest client batch of this run (all equal unless batches are proportional to the clients' data). */
  public int maxClientBatch() {
    return config.batches().max(partition, config.clientBatch());
  }

  /** Client {@code index}: its training share, its local test share and its own seeds. */
  public MpslClient client(int index, String token) {
    if (index < 0 || index >= config.clients()) {
      throw new IllegalArgumentException("client index " + index + " is outside [0, " + config.clients() + ")");
    }
    int batch = config.batches().batch(partition, index, config.clientBatch());
    ClientConfig cc = new ClientConfig(clientId(index), token == null ? "" : token, batch, config.seed(),
        config.seed() + 1 + index);
    int[] testShare = testShares.get(index);
    if (testShare.length > MessageLimits.MAX_EVAL_SAMPLES) {
      testShare = Arrays.copyOf(testShare, MessageLimits.MAX_EVAL_SAMPLES);
    }
    return new MpslClient(cc, config.model(), data.train(), partition.client(index), config.learningRate(),
        sharedBase()).withLocalTestShare(data.test(), testShare).withCodecs(config.codecUp(), config.codecDown());
  }

  /**
   * Refuses batches a client on its own data cannot take: proportional batches need every client's share. The
   * {@code client} command calls it before any data loads, {@link #ownDataClient} again.
   *
   * @throws IllegalArgumentException naming the flags
   */
  public static void checkOwnDataBatches(ClientBatches batches) {
    if (batches == ClientBatches.PROPORTIONAL) {
      throw new IllegalArgumentException("--client-batches proportional needs every client's share; a client on its"
          + " own data (--own-data) takes spread or equal batches");
    }
  }

  /**
   * A client on its own data, for a device that holds nothing but its data (e.g. its own manifest): it trains on the
   * whole training split of {@code data} and evaluates on its test split, and {@code index} only names it
   * ({@link #clientId}) and seeds its sample order. No partition is computed. With equal batches it declares
   * {@code --client-batch}; with spread batches it cannot know its slice ⌈nᵢ/T⌉ before the server's Welcome gives T,
   * so it declares the most a slice can be, min(nᵢ, N·b): with T = ⌈n/(N·b)⌉ over n ≥ nᵢ samples that count this
   * client's, no slice is larger (a client joining after training started is refused by the server if its share does
   * not fit the fixed T). N·b is also the largest batch a server with spread batches accepts
   * ({@link ServerSetup#maxClientBatch}).
   *
   * @throws IllegalArgumentException with proportional batches (they need every client's size)
   */
  public static MpslClient ownDataClient(SimulationConfig config, DatasetSplit data, int index, String token) {
    checkOwnDataBatches(config.batches());
    if (index < 0) {
      throw new IllegalArgumentException("client index must be >= 0 but was " + index);
    }
    int[] train = java.util.stream.IntStream.range(0, data.train().size()).toArray();
    int[] test = java.util.stream.IntStream.range(0, Math.min(data.test().size(), MessageLimits.MAX_EVAL_SAMPLES))
        .toArray();
    int batch = config.batches() == ClientBatches.SPREAD
        ? Math.min(train.length, ClientBatches.serverBatch(config.clients(), config.clientBatch()))
        : config.clientBatch();
    ClientConfig cc = new ClientConfig(clientId(index), token == null ? "" : token, batch, config.seed(),
        config.seed() + 1 + index);
    return new MpslClient(cc, config.model(), data.train(), train, config.learningRate())
        .withLocalTestShare(data.test(), test).withCodecs(config.codecUp(), config.codecDown());
  }

  /**
   * The run's initial client model, shared by the clients this setup builds: each stores only the text
   * embedding rows it trains (see {@link org.mpsl4j.model.SharedClientBase}). Closed by {@link #close}.
   */
  public synchronized org.mpsl4j.model.SharedClientBase sharedBase() {
    if (sharedBase == null) {
      sharedBase = new org.mpsl4j.model.SharedClientBase(config.model(), config.seed());
    }
    return sharedBase;
  }

  /** Frees the shared initial client model; call after every client this setup built is closed. */
  @Override
  public synchronized void close() {
    if (sharedBase != null) {
      sharedBase.close();
      sharedBase = null;
    }
  }

  /**
   * Whether the clients' local test shares, as they send them ({@link MessageLimits#MAX_EVAL_SAMPLES} at most each),
   * hold every test sample exactly once: then a personalized evaluation through the server's own tokenizer and model
   * scores the same samples as the global one.
   */
  public boolean testSharesCoverTestSet() {
    boolean[] seen = new boolean[data.test().size()];
    int covered = 0;
    for (int[] share : testShares) {
      if (share.length > MessageLimits.MAX_EVAL_SAMPLES) {
        return false;
      }
      for (int i : share) {
        if (seen[i]) {
          return false;
        }
        seen[i] = true;
        covered++;
      }
    }
    return covered == seen.length;
  }

  /**
   * One epoch's figures, with the global model (server + averaged tokenizers) evaluated on the test split; with
   * {@code personalizedIsGlobal} (the server skipped a personalized evaluation that would score the same model on the
   * same samples) the personalized figure is the global one.
   */
  public SimulationResult.Epoch epoch(MpslServer server, EpochStats s, boolean personalizedIsGlobal) {
    org.mpsl4j.engine.TestScore score;
    try (NDManager scope = NDManager.newBaseManager()) {
      score = Evaluation.score(server.globalTokenizers(), server.model(), data.test(), 256, scope);
    }
    return new SimulationResult.Epoch(s.epoch() + 1, s.steps(), s.meanLoss(), s.trainAccuracy(), score.value(),
        personalizedIsGlobal ? score.value() : s.personalizedAccuracy(), s.seconds(), s.steps() / s.seconds(),
        s.missedDeadlines(), score.recall());
  }

  /** One epoch's figures, the personalized one as the clients measured it. */
  public SimulationResult.Epoch epoch(MpslServer server, EpochStats s) {
    return epoch(server, s, false);
  }

  /**
   * Writes the trained global model to {@code dir}: {@code server.safetensors} (the encoder and head,
   * {@code encoder.*}, {@code head.*}) and {@code tokenizers.safetensors} (the FedAvg'd client
   * tokenizers). Both carry the model's settings, fingerprint and layout with its class names ({@link
   * org.mpsl4j.model.checkpoint.ModelLayout}): {@code mpsl4j predict}, {@code evaluate} and the Python module read
   * them. {@code --encoder dir/server.safetensors} starts a later run from this encoder.
   */
  public static void saveModel(MpslServer server, java.nio.file.Path dir, List<String> classNames)
      throws java.io.IOException {
    org.mpsl4j.engine.TrainedModel.save(server.globalTokenizers(), server.model(), dir, classNames);
  }

  /** The whole run's figures. */
  public SimulationResult result(MpslServer server, List<SimulationResult.Epoch> epochs, double wallSeconds) {
    MacReport macs = MacCounter.count(config.model());
    return new SimulationResult(epochs, server.bytesByClient(), server.evaluationBytesByClient(), macs.clientForward(),
        macs.clientTraining(), macs.wholeForward(), server.model().parameterCount(false), wallSeconds,
        placementIfShared());
  }

  /**
   * {@link #parameterPlacement} when this process built clients on the shared base, else empty (a server alone). With
   * one shared tokenizer ({@code --tokenizer-sync gradients}) no client trains anything of its own: each holds a copy
   * of the one tokenizer the server steps, and its text tables hold the rows the server's steps changed (or stay
   * frozen).
   */
  private synchronized Map<String, String> placementIfShared() {
    if (sharedBase == null) {
      return Map.of();
    }
    org.mpsl4j.engine.mpsl.TokenizerPolicy policy = tokenizerPolicy();
    if (!policy.sharedGradients()) {
      return sharedBase.placement();
    }
    Map<String, String> out = new java.util.LinkedHashMap<>();
    sharedBase.placement().forEach((name, place) -> out.put(name, place.startsWith("shared base")
        ? (policy.sharedTables() && place.contains("trained")
            ? "shared base, plus per client a copy of the rows the shared tokenizer's steps changed"
            : "shared base, frozen (read-only)")
        : place.startsWith("per client (frozen)") ? place
        : "per client: a copy of the one shared tokenizer (FedSGD; the client takes no step)"));
    return out;
  }
}
