package org.mpsl4j.cli;

import org.mpsl4j.model.Fusion;
import org.mpsl4j.model.ModelChoices;
import org.mpsl4j.model.Pooling;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The model choices every command that builds a model reads ({@code simulate}, {@code compare},
 * {@code server}, {@code client}, through {@link ExperimentOptions}): task, fusion, pooling, and where MPSL
 * computes a retrieval loss. The first three shape the model and so its fingerprint: a client started with
 * other values is refused at Hello. A combination that cannot be built is a usage error naming the fix.
 */
final class ModelChoiceOptions {
  @Option(names = "--task", defaultValue = "classification", converter = TaskConverter.class,
      description = "classification (class logits, cross-entropy with the clients' labels) or retrieval (an embedding "
          + "per modality, symmetric InfoNCE over paired samples; needs two modalities and --fusion late; reports "
          + "Recall@1/5/10 both ways) (default: ${DEFAULT-VALUE}).")
  ModelChoices.Task task;

  @Option(names = "--fusion", converter = FusionConverter.class,
      description = "early (all modalities' tokens in one encoder pass) or late (each modality on its own, pooled "
          + "outputs averaged) (default: early for classification, late for retrieval).")
  Fusion fusion;

  @Option(names = "--pooling", defaultValue = "cls", converter = PoolingConverter.class,
      description = "cls (each modality's first token) or mean (the mean of the non-padding tokens) (default: "
          + "${DEFAULT-VALUE}).")
  Pooling pooling;

  @Option(names = "--contrastive-loss", defaultValue = "client",
      description = "Where MPSL computes the retrieval loss: client (each client over its own mini-batch, b-1 "
          + "negatives per sample) or server (over the step's whole concatenated batch, B-1 negatives; the pairing "
          + "is no secret) (default: ${DEFAULT-VALUE}). Read by the server; compare runs both as mpsl and "
          + "mpsl-server-loss.")
  String contrastiveLoss;

  @Option(names = "--client-blocks", defaultValue = "0",
      description = "A deeper cut: each client runs (and trains) the encoder's first k blocks on each modality's tokens "
          + "after its tokenizers; the server runs the rest. Needs --encoder scratch (default: ${DEFAULT-VALUE}, the cut "
          + "right after the tokenizers).")
  int clientBlocks;

  /** The choices, checked: a combination that cannot be built is refused with its reason. */
  ModelChoices choices() {
    Fusion f = fusion != null ? fusion : task == ModelChoices.Task.RETRIEVAL ? Fusion.LATE : Fusion.EARLY;
    return new ModelChoices(task, f, pooling);
  }

  /** Whether MPSL's server computes the loss (--contrastive-loss server); refused unless the task is retrieval. */
  boolean serverSideLoss() {
    return switch (contrastiveLoss.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "client" -> false;
      case "server" -> {
        if (task != ModelChoices.Task.RETRIEVAL) {
          throw new IllegalArgumentException("--contrastive-loss server needs --task retrieval: a classification "
              + "loss needs the labels, which stay on the clients");
        }
        yield true;
      }
      default -> throw new IllegalArgumentException("--contrastive-loss '" + contrastiveLoss
          + "' is not one of [client, server]");
    };
  }

  /** The options as they are passed again, for the command line a report prints. */
  String commandLine() {
    ModelChoices c = choices();
    return " --task " + name(c.task()) + " --fusion " + name(c.fusion()) + " --pooling " + name(c.pooling())
        + (c.task() == ModelChoices.Task.RETRIEVAL ? " --contrastive-loss " + contrastiveLoss : "")
        + (clientBlocks > 0 ? " --client-blocks " + clientBlocks : "");
  }

  private static String name(Enum<?> e) {
    return e.name().toLowerCase(java.util.Locale.ROOT);
  }

  private abstract static class EnumConverter<E extends Enum<E>> implements CommandLine.ITypeConverter<E> {
    private final Class<E> type;
    private final String option;

    EnumConverter(Class<E> type, String option) {
      this.type = type;
      this.option = option;
    }

    @Override
    public E convert(String value) {
      try {
        return ModelChoices.parse(type, option, value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  static final class TaskConverter extends EnumConverter<ModelChoices.Task> {
    TaskConverter() {
      super(ModelChoices.Task.class, "--task");
    }
  }

  static final class FusionConverter extends EnumConverter<Fusion> {
    FusionConverter() {
      super(Fusion.class, "--fusion");
    }
  }

  static final class PoolingConverter extends EnumConverter<Pooling> {
    PoolingConverter() {
      super(Pooling.class, "--pooling");
    }
  }
}
