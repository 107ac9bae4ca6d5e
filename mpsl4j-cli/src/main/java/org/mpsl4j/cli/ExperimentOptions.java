package org.mpsl4j.cli;

import java.nio.file.Path;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.Datasets;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.data.retrieval.DistinctTexts;
import org.mpsl4j.model.ModelChoices;
import org.mpsl4j.data.partition.Partitioner;
import org.mpsl4j.engine.sim.ClientBatches;
import org.mpsl4j.engine.sim.MpslSetup;
import org.mpsl4j.engine.sim.SimulationConfig;
import java.time.Duration;
import org.mpsl4j.engine.ModelFactory;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.Pooling;
import org.mpsl4j.engine.mpsl.TokenizerPolicy;
import org.mpsl4j.model.pretrained.EncoderSource;
import picocli.CommandLine.Model.CommandSpec;
import org.mpsl4j.protocol.CodecSpec;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The settings an MPSL experiment shares between {@code simulate}, {@code server} and {@code client}:
 * data, partition, model and optimizer. A server and its clients must be started with the same
 * values; the server rejects a client whose inputs or tensor shapes do not match.
 */
final class ExperimentOptions {
  /** Task, fusion, pooling and the retrieval loss's placement: one small class that every method reads. */
  @CommandLine.Mixin
  ModelChoiceOptions choices;

  @Option(names = "--data-dir", defaultValue = "data", description = "Dataset folder (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--dataset", defaultValue = Datasets.DEFAULT, description = "Dataset (default: ${DEFAULT-VALUE}), or manifest:<path> for your own data (docs/OWN_DATA.md).")
  String dataset;

  @Option(names = "--samples", defaultValue = "4000", description = "Samples per split, 0 = all (default: ${DEFAULT-VALUE}).")
  int samples;

  @Option(names = "--clients", defaultValue = "20", description = "Number of clients (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(names = "--client-batch", defaultValue = "5", description = "Mini-batch per client (default: ${DEFAULT-VALUE}).")
  int clientBatch;

  @Option(names = "--epochs", defaultValue = "3", description = "Epochs (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--lr", description = "Adam learning rate, both sides (default: 1e-4, the reference, for a pretrained "
      + "encoder; 2e-3 from scratch).")
  Float lr;

  @Option(names = "--alpha", defaultValue = "0.5", description = "Dirichlet alpha; >= 1e4 means IID (default: ${DEFAULT-VALUE}).")
  double alpha;

  @Option(names = "--encoder", defaultValue = EncoderSource.PRETRAINED,
      description = "Encoder start: minilm-l6 (pretrained all-MiniLM-L6-v2, width 384, 6 blocks), minilm-l6-scratch "
          + "(same shape, random init), scratch (--width/--depth, random init) or an mpsl4j safetensors checkpoint "
          + "(default: ${DEFAULT-VALUE}).")
  String encoder;

  @Option(names = "--width", defaultValue = "64", description = "Encoder width for --encoder scratch (default: ${DEFAULT-VALUE}).")
  int width;

  @Option(names = "--depth", defaultValue = "4", description = "Encoder blocks for --encoder scratch (default: ${DEFAULT-VALUE}).")
  int depth;

  @Option(names = "--trainable-blocks", defaultValue = "-1",
      description = "Fine-tuned last blocks; -1 = all from scratch, the last half of a pretrained encoder (default: ${DEFAULT-VALUE}).")
  int trainableBlocks;

  @Option(names = "--freeze-word-embeddings",
      description = "Do not train the text tokenizers' word-embedding tables (e.g. MiniLM's pretrained 30,522 x 384 "
          + "vocabulary): every simulated client then reads one shared table. Default: each client trains its own rows.")
  boolean freezeWordEmbeddings;

  @Option(names = "--server-chunk", defaultValue = "0",
      description = "MPSL server: run each step's forward and backward in passes of at most this many samples, "
          + "gradients accumulated into one update (the same update up to float32 round-off, one more forward pass); "
          + "bounds the server's memory at large batches, e.g. 1,000 clients. 0 = one pass (default: ${DEFAULT-VALUE}).")
  int serverChunk;

  @Option(names = "--patch", defaultValue = "7", description = "Preferred patch size (default: ${DEFAULT-VALUE}).")
  int patch;

  @Option(names = "--head", defaultValue = "server",
      description = "Where the task head runs: server; client (U-shaped: the server sends the pooled representation, "
          + "no logits exist on it, each client trains its head); client-fixed (the same, with the clients' common "
          + "initial head left untrained); docs/PRIVACY.md (default: ${DEFAULT-VALUE}).")
  String head;

  @Option(names = "--seed", defaultValue = "2024", description = "Seed of model, partition and orders (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--deadline-s", defaultValue = "120", description = "Per-phase step deadline in seconds (default: ${DEFAULT-VALUE}); compare's FedAvg and FedCLIP "
      + "wait this long per mini-batch of a client's local epoch.")
  int deadlineSeconds;

  // Manifest datasets (--dataset manifest:<path>, docs/OWN_DATA.md): rows that name their client are the partition
  // and set the number of clients; the manifest's settings give the patch sizes. See ManifestRun.
  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  /** Clients named by the manifest's rows (0 = none, or not a manifest): the natural partition is then used. */
  int naturalClients;
  // Cut-layer codecs (issue #9). Like the model settings, server and clients take the same values: the
  // server accepts exactly this pair and refuses a client that asks for another.
  @Option(names = "--codec-up", defaultValue = "raw", converter = CodecConverter.class,
      description = "Codec of the clients' cut-layer activations: raw, fp16, bf16, int8 (per-token scale and zero "
          + "point) or topk:F (top fraction F by magnitude, with error feedback) (default: ${DEFAULT-VALUE}).")
  CodecSpec codecUp;

  @Option(names = "--codec-down", defaultValue = "raw", converter = CodecConverter.class,
      description = "Codec of the server's cut-layer gradients: raw, fp16, bf16, int8 or topk:F (no error feedback) "
          + "(default: ${DEFAULT-VALUE}).")
  CodecSpec codecDown;

  // The global model and fair comparisons (issue #17, docs/GLOBAL_MODEL.md).
  @Option(names = "--partition", defaultValue = "dirichlet",
      description = "Client partition: dirichlet (by --alpha; >= 1e4 IID), groups (one client per natural group of the "
          + "dataset: subject in sp-sw-har, speaker in av-mnist) or classes[:S] (one class per client, S clients per "
          + "class, default 1); groups and classes set the number of clients (default: ${DEFAULT-VALUE}).")
  String partitionKind;

  // The defaults are #17's measured choice (docs/GLOBAL_MODEL.md, "Session 8: the defaults"), not the paper's
  // (--tokenizer-sync never --client-batches equal): the paper's settings leave the global model far below
  // centralized training under label skew, the shared tokenizer with spread batches does not.
  @Option(names = "--tokenizer-sync", defaultValue = "gradients", description = "MPSL: gradients: FedSGD on one shared "
      + "tokenizer (after every step the clients send their tokenizer gradients, the server sums them, steps one "
      + "tokenizer optimizer at --tokenizer-lr-scale times its rate and sends the tokenizer back); or per-client "
      + "tokenizers whose average is sent back every K training steps, at each epoch end (epoch), or never (the "
      + "paper's MPSL) (default: ${DEFAULT-VALUE}).")
  String tokenizerSync;

  @Option(names = "--shared-tables", defaultValue = "auto", description = "MPSL with --tokenizer-sync gradients: "
      + "rows (the text embedding tables and other large tables are trained too: each client sends the gradient of the "
      + "rows its batches used, the server steps those rows with lazy Adam and sends them back), dense-adam (as rows, "
      + "but the server steps the whole table with Adam, as centralized training does, and sends every row that moved: "
      + "more bytes), frozen (they stay at the initial values every client shares and never travel), or auto: rows, "
      + "but frozen with --private-average, whose fixed-length padded sums cannot carry rows (default: ${DEFAULT-VALUE}).")
  String sharedTables;

  @Option(names = "--client-adversary", defaultValue = "0", description = "MPSL: weight λ of a client-identity "
      + "adversary on the server's pooled features with gradient reversal (the server learns features from which the "
      + "client cannot be told apart); 0: none (default: ${DEFAULT-VALUE}).")
  float clientAdversary;

  @Option(names = "--tokenizer-lr-scale", defaultValue = "1", description = "MPSL: client learning rate as a multiple "
      + "of the server's (0 freezes the tokenizers at their common initialization) (default: ${DEFAULT-VALUE}).")
  float tokenizerLrScale;

  @Option(names = "--client-batches", defaultValue = "spread", description = "MPSL: spread (an epoch has "
      + "T = ceil(n / (N * b)) steps and client i slices its data into T parts of ceil or floor(n_i / T), so every "
      + "client is in every step; clients learn T from the server), equal (every client --client-batch, the paper) or "
      + "proportional (client i takes round(n_i * N * b / n) samples per step, so all clients finish their data "
      + "together) (default: ${DEFAULT-VALUE}).")
  String clientBatches;

  // Secure aggregation and the private average: their own options class, shared by every MPSL command.
  @Mixin AggregationOptions aggregation;

  /** Parses a codec name for picocli, so a bad one is a usage error that lists the choices. */
  static final class CodecConverter implements CommandLine.ITypeConverter<CodecSpec> {
    @Override
    public CodecSpec convert(String value) {
      try {
        return CodecSpec.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  /**
   * Checks the values a user types before anything is loaded or started, so that each bad one is one line that names
   * the option (not an internal field, and not a server that waits for clients that will all refuse).
   *
   * @throws IllegalArgumentException naming the option, its value and what it must be
   */
  void validate() {
    atLeast("--samples", samples, 0, " (0 = all)");
    atLeast("--clients", clients, 1, "");
    atLeast("--client-batch", clientBatch, 1, "");
    atLeast("--epochs", epochs, 1, "");
    atLeast("--width", width, 1, "");
    atLeast("--depth", depth, 1, "");
    atLeast("--patch", patch, 1, "");
    atLeast("--deadline-s", deadlineSeconds, 1, "");
    atLeast("--server-chunk", serverChunk, 0, " (0 = one pass)");
    aggregation.validate(clients, TokenizerPolicy.parse(tokenizerSync, tokenizerLrScale).sharedGradients());
    if (!sharedTables.trim().equalsIgnoreCase("auto")) {
      TokenizerPolicy.SharedTables mode = TokenizerPolicy.parseSharedTables(sharedTables); // names the choices
      if (mode != TokenizerPolicy.SharedTables.FROZEN && aggregation.privateAverage) {
        throw new IllegalArgumentException("--shared-tables " + sharedTables.trim() + " cannot go with --private-average:"
            + " its padded gradients have one fixed length and cannot carry rows; use --shared-tables frozen (or auto)");
      }
    }
    if (trainableBlocks < -1) {
      throw new IllegalArgumentException("--trainable-blocks must be -1 (the default) or >= 0 but was "
          + trainableBlocks);
    }
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw new IllegalArgumentException("--alpha must be a positive number but was " + alpha);
    }
    if (lr != null && !(lr > 0 && Float.isFinite(lr))) {
      throw new IllegalArgumentException("--lr must be a positive number but was " + lr);
    }
  }

  static void atLeast(String option, int value, int min, String note) {
    if (value < min) {
      throw new IllegalArgumentException(option + " must be >= " + min + note + " but was " + value);
    }
  }

  /** Fetches (if needed) and loads the dataset; throws DataUnavailableException with the fix. */
  DatasetSplit load() {
    return load(System.out);
  }

  /** As {@link #load()}, logging to {@code log} (stderr where stdout carries the command's results). */
  DatasetSplit load(java.io.PrintStream log) {
    checkChoices(); // before the data: a combination that cannot be built fails at once
    try {
      validate();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(mixee.commandLine(), e.getMessage());
    }
    // Retrieval loads every sample and keeps one pair per distinct caption before --samples picks pairs: a caption
    // shared by several pictures cannot be retrieved (DistinctTexts), and --samples then counts usable pairs.
    boolean retrieval = choices.choices().task() == ModelChoices.Task.RETRIEVAL;
    DataOptions options = DataOptions.builder().optSeed(seed).optMaxSamplesPerSplit(retrieval ? 0 : samples)
        .optLog(log).optProgress(TaskProgress.forData()).build();
    Datasets.prepare(dataset, dataDir, options, log);
    DatasetSplit split = Datasets.load(dataset, dataDir, options);
    if (retrieval) {
      DatasetSplit all = split;
      split = DistinctTexts.usablePairs(all, samples, seed);
      if (DistinctTexts.hasText(all.train())) {
        DatasetSplit distinct = DistinctTexts.of(all, 0, seed);
        log.printf("retrieval: %d / %d of %d / %d train / test pairs have a text no other pair has; using %d / %d%n",
            distinct.train().size(), distinct.test().size(), all.train().size(), all.test().size(),
            split.train().size(), split.test().size());
      }
    }
    naturalClients = ManifestRun.naturalClients(dataset, split);
    clients = ManifestRun.clients(naturalClients, mixee, clients);
    if (naturalClients == 0 && !PartitionChoice.parse(partitionKind).usesAlpha()) {
      clients = partition(split).numClients();
    }
    return split;
  }

  /** Refuses a task/fusion/pooling/loss combination that cannot be built, as a usage error naming the fix. */
  void checkChoices() {
    try {
      choices.choices();
      choices.serverSideLoss();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(mixee.commandLine(), e.getMessage());
    }
  }

  ModelConfig model(DatasetSplit split) {
    return model(split.train().inputs(), split.train().numClasses(), ManifestRun.manifestPatches(dataset));
  }

  /**
   * The model of these options over these inputs and classes; {@code patches} (a manifest's, or those recorded in a
   * server's {@link org.mpsl4j.data.ServerData}) replace --patch where given.
   */
  ModelConfig model(java.util.List<org.mpsl4j.data.InputSpec> inputs, int numClasses,
      java.util.Map<org.mpsl4j.data.Modality, Integer> patches) {
    EncoderSource source = EncoderSource.parse(encoder);
    EncoderConfig shape = source.config(EncoderConfig.small(width, depth, 4));
    int trained = trainableBlocks >= 0 ? trainableBlocks
        : source instanceof EncoderSource.Scratch ? shape.depth() : Math.max(1, shape.depth() / 2);
    ModelConfig model;
    try {
      model = ModelFactory.forInputs(inputs, numClasses, source, shape, choices.choices(), trained, patch);
    } catch (IllegalArgumentException e) { // e.g. retrieval on a dataset without two modalities
      throw new CommandLine.ParameterException(mixee.commandLine(), e.getMessage());
    }
    model = ManifestRun.withPatches(model, patches).withFrozenWordEmbeddings(freezeWordEmbeddings);
    try {
      model = model.withClientBlocks(choices.clientBlocks);
    } catch (IllegalArgumentException e) { // more client blocks than the encoder has, or a pretrained encoder
      throw new CommandLine.ParameterException(mixee.commandLine(), e.getMessage());
    }
    return switch (head) {
      case "server" -> model;
      case "client" -> model.withHead(model.head().onClients());
      case "client-fixed" -> model.withHead(model.head().placed(org.mpsl4j.model.HeadConfig.Placement.CLIENT_FIXED));
      default -> throw new CommandLine.ParameterException(mixee.commandLine(),
          "--head must be server, client or client-fixed but was '" + head + "'");
    };
  }

  /** Applies the server-side choices (--contrastive-loss server) to an MPSL server before it trains. */
  void configureServer(org.mpsl4j.engine.mpsl.MpslServer server) {
    if (choices.serverSideLoss()) {
      server.useServerSideLoss(org.mpsl4j.core.step.ServerSideLoss.contrastive());
    }
    aggregation.configure(server, mixee.commandLine());
  }

  /** The data options given on this command line, e.g. to tell a server's operator that it reads none of them. */
  java.util.List<String> givenDataOptions() {
    CommandLine cl = mixee == null ? null : mixee.commandLine();
    if (cl == null || cl.getParseResult() == null) {
      return java.util.List.of();
    }
    return java.util.stream.Stream.of("--data-dir", "--dataset", "--samples", "--alpha", "--partition")
        .filter(cl.getParseResult()::hasMatchedOption).toList();
  }

  /** Whether the run trains retrieval (reports then add Recall@K). */
  boolean retrieval() {
    return choices.choices().task() == org.mpsl4j.model.ModelChoices.Task.RETRIEVAL;
  }

  /** The learning rate: --lr, else the default of the encoder start. */
  float learningRate() {
    if (lr != null) {
      return lr;
    }
    return EncoderSource.parse(encoder) instanceof EncoderSource.Scratch ? 2e-3f : 1e-4f;
  }

  /** The run's settings for {@link org.mpsl4j.engine.sim.MpslSetup} and the simulation. */
  SimulationConfig config(ModelConfig model, int threads) {
    return new SimulationConfig(model, clients, clientBatch, epochs, learningRate(), 5, alpha, 10, seed,
        Duration.ofSeconds(deadlineSeconds), threads).withCodecs(codecUp, codecDown).withTokenizers(tokenizerPolicy())
        .withBatches(batches()).withServerChunk(serverChunk);
  }

  /** The MPSL tokenizer policy of --tokenizer-sync and --tokenizer-lr-scale. */
  TokenizerPolicy tokenizerPolicy() {
    try {
      TokenizerPolicy policy = TokenizerPolicy.parse(tokenizerSync, tokenizerLrScale).withClientAdversary(clientAdversary);
      TokenizerPolicy.SharedTables tables = sharedTables.trim().equalsIgnoreCase("auto")
          ? (aggregation.privateAverage ? TokenizerPolicy.SharedTables.FROZEN : TokenizerPolicy.SharedTables.ROWS)
          : TokenizerPolicy.parseSharedTables(sharedTables);
      return policy.sharedGradients() ? policy.withSharedTables(tables) : policy;
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(mixee.commandLine(), e.getMessage());
    }
  }

  /** The MPSL client batches of --client-batches. */
  ClientBatches batches() {
    try {
      return ClientBatches.parse(clientBatches);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(mixee.commandLine(), e.getMessage());
    }
  }

  /** The seeded client partition of the training split: the same on the server and on every client. */
  Partition partition(DatasetSplit split) {
    if (naturalClients > 0) {
      return Partitioner.natural(split.train().groups());
    }
    PartitionChoice choice;
    try {
      choice = PartitionChoice.parse(partitionKind);
      return choice.usesAlpha() ? MpslSetup.partition(split.train(), clients, alpha, 10, seed)
          : choice.partition(split.train(), seed);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(mixee.commandLine(), "--partition " + partitionKind + ": "
          + e.getMessage());
    }
  }
}
