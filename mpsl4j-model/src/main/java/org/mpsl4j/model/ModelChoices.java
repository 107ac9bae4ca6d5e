package org.mpsl4j.model;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The model choices every method reads from the command line: the task, how modalities are fused and
 * how an encoded sequence is pooled. They shape the model, so they are part of its fingerprint: a client
 * started with other choices is refused at Hello.
 *
 * <p>Not every combination makes sense: {@link #check} refuses the ones that do not, naming the fix.
 */
public record ModelChoices(Task task, Fusion fusion, Pooling pooling) {

  /** What the head computes and how it is trained. */
  public enum Task {
    /** Class logits, softmax cross-entropy against the clients' labels. */
    CLASSIFICATION,
    /** One L2-normalized embedding per modality, trained with a symmetric contrastive loss over paired samples. */
    RETRIEVAL
  }

  /** Classification, early fusion, CLS pooling: the settings before these options existed. */
  public static final ModelChoices DEFAULT = new ModelChoices(Task.CLASSIFICATION, Fusion.EARLY, Pooling.CLS);

  public ModelChoices {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(fusion, "fusion");
    Objects.requireNonNull(pooling, "pooling");
    requireEmbeddable(task == Task.RETRIEVAL, fusion, "the two modalities");
  }

  /** The head of this task: {@code classes} logits, or a projection to an embedding of {@code width}. */
  public HeadConfig head(int classes, int width) {
    return task == Task.RETRIEVAL ? HeadConfig.projection(width) : HeadConfig.classification(classes);
  }

  /** The task a head trains for. */
  public static Task task(HeadConfig head) {
    return head.kind() == HeadConfig.Kind.PROJECTION ? Task.RETRIEVAL : Task.CLASSIFICATION;
  }

  /** Parses a command-line value of an enum (case-insensitive), or fails listing the choices. */
  public static <E extends Enum<E>> E parse(Class<E> type, String option, String value) {
    for (E e : type.getEnumConstants()) {
      if (e.name().equalsIgnoreCase(value.trim())) {
        return e;
      }
    }
    throw new IllegalArgumentException(option + " '" + value + "' is not one of "
        + java.util.Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT)).toList());
  }

  /**
   * Refuses a combination that cannot be built over {@code tokenizers}, with the reason and the fix.
   * Classification takes any fusion and pooling; retrieval needs exactly two modalities, each embedded
   * on its own (late fusion), since a query of one modality is compared with candidates of the other.
   *
   * @throws IllegalArgumentException naming the conflicting choices
   */
  public static void check(HeadConfig head, Fusion fusion, List<TokenizerSpec> tokenizers) {
    if (task(head) != Task.RETRIEVAL) {
      return;
    }
    List<String> inputs = tokenizers.stream().map(TokenizerSpec::input).toList();
    if (inputs.size() != 2) {
      throw new IllegalArgumentException("--task retrieval pairs two modalities (e.g. image and text) but the data has "
          + inputs.size() + " input(s) " + inputs + ": use a dataset with exactly two (openclipart, or a manifest with "
          + "image and text columns)");
    }
    requireEmbeddable(true, fusion, inputs.toString());
  }

  private static void requireEmbeddable(boolean retrieval, Fusion fusion, String inputs) {
    if (retrieval && fusion != Fusion.LATE) {
      throw new IllegalArgumentException("--task retrieval embeds each modality on its own and compares the two "
          + "embeddings, but --fusion " + fusion.name().toLowerCase(Locale.ROOT) + " encodes " + inputs
          + " together into one vector: use --fusion late");
    }
  }
}
