package org.mpsl4j.cli;

import java.nio.file.Path;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.Datasets;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.data.partition.Partitioner;
import org.mpsl4j.engine.sim.MpslSetup;
import org.mpsl4j.engine.sim.SimulationConfig;
import java.time.Duration;
import org.mpsl4j.engine.ModelFactory;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.Fusion;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.pretrained.EncoderSource;
import picocli.CommandLine.Model.CommandSpec;
import org.mpsl4j.protocol.CodecSpec;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The settings an MPSL experiment shares between {@code simulate}, {@code server} and {@code client}:
 * data, partition, model and optimizer. A server and its clients must be started with the same
 * values; the server rejects a client whose inputs or tensor shapes do not match.
 */
final class ExperimentOptions {
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

  @Option(names = "--patch", defaultValue = "7", description = "Preferred patch size (default: ${DEFAULT-VALUE}).")
  int patch;

  @Option(names = "--head", defaultValue = "server",
      description = "Where the task head runs: server; client (U-shaped: the server sends the pooled representation, "
          + "no logits exist on it, each client trains its head); client-fixed (the same, with the clients' common "
          + "initial head left untrained); docs/PRIVACY.md (default: ${DEFAULT-VALUE}).")
  String head;

  @Option(names = "--seed", defaultValue = "2024", description = "Seed of model, partition and orders (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--deadline-s", defaultValue = "120", description = "Per-phase step deadline in seconds (default: ${DEFAULT-VALUE}).")
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

  /** Fetches (if needed) and loads the dataset; throws DataUnavailableException with the fix. */
  DatasetSplit load() {
    DataOptions options = DataOptions.builder().optSeed(seed).optMaxSamplesPerSplit(samples).optLog(System.out).build();
    Datasets.prepare(dataset, dataDir, options, System.out);
    DatasetSplit split = Datasets.load(dataset, dataDir, options);
    naturalClients = ManifestRun.naturalClients(dataset, split);
    clients = ManifestRun.clients(naturalClients, mixee, clients);
    return split;
  }

  ModelConfig model(DatasetSplit split) {
    EncoderSource source = EncoderSource.parse(encoder);
    EncoderConfig shape = source.config(EncoderConfig.small(width, depth, 4));
    int trained = trainableBlocks >= 0 ? trainableBlocks
        : source instanceof EncoderSource.Scratch ? shape.depth() : Math.max(1, shape.depth() / 2);
    ModelConfig model = ModelFactory.forDataset(split.train(), source, shape, Fusion.EARLY, trained, patch);
    model = ManifestRun.withManifestPatches(model, dataset);
    return switch (head) {
      case "server" -> model;
      case "client" -> model.withHead(model.head().onClients());
      case "client-fixed" -> model.withHead(model.head().placed(org.mpsl4j.model.HeadConfig.Placement.CLIENT_FIXED));
      default -> throw new CommandLine.ParameterException(mixee.commandLine(),
          "--head must be server, client or client-fixed but was '" + head + "'");
    };
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
        Duration.ofSeconds(deadlineSeconds), threads).withCodecs(codecUp, codecDown);
  }

  /** The seeded client partition of the training split: the same on the server and on every client. */
  Partition partition(DatasetSplit split) {
    if (naturalClients > 0) {
      return Partitioner.natural(split.train().groups());
    }
    return MpslSetup.partition(split.train(), clients, alpha, 10, seed);
  }
}
