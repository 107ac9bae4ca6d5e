package org.mpsl4j.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.mpsl4j.data.ArrayDataset;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.Modality;
import org.mpsl4j.data.manifest.ManifestConfig;
import org.mpsl4j.data.manifest.ManifestSource;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.TokenizerSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * What a run on a manifest dataset ({@code --dataset manifest:<path>}) does differently from the named datasets: the
 * rows' clients are the partition, and each tokenizer's patch comes from the manifest's settings instead of
 * {@code --patch}. Used by {@link ExperimentOptions}, so simulate, compare, server and client agree.
 */
final class ManifestRun {

  private ManifestRun() {
  }

  /** Number of distinct clients among the training rows of a manifest; 0 for other datasets or rows without one. */
  static int naturalClients(String dataset, DatasetSplit split) {
    if (!ManifestSource.isManifest(dataset) || !(split.train() instanceof ArrayDataset a) || a.groupNames().isEmpty()) {
      return 0;
    }
    return (int) Arrays.stream(a.groups()).distinct().count();
  }

  /**
   * The number of clients of the run: {@code clientsOption} without natural clients; otherwise the natural number,
   * unless {@code --clients} was given explicitly with another one, which is an error (the rows decide who holds
   * which sample).
   *
   * @param command the command whose parse result tells whether {@code --clients} was given (null: it was not)
   */
  static int clients(int natural, CommandSpec command, int clientsOption) {
    if (natural == 0) {
      return clientsOption;
    }
    boolean given = command != null && command.commandLine() != null
        && command.commandLine().getParseResult() != null
        && command.commandLine().getParseResult().hasMatchedOption("--clients");
    if (given && clientsOption != natural) {
      throw new IllegalArgumentException("the manifest's rows name " + natural + " clients (with training rows), but"
          + " --clients is " + clientsOption + "; leave --clients out or set it to " + natural);
    }
    return natural;
  }

  /** The patch per modality a manifest dataset's settings prescribe; empty for the named datasets. */
  static java.util.Map<Modality, Integer> manifestPatches(String dataset) {
    if (!ManifestSource.isManifest(dataset)) {
      return java.util.Map.of();
    }
    ManifestConfig config = ManifestConfig.forManifest(ManifestSource.pathOf(dataset));
    java.util.Map<Modality, Integer> patches = new java.util.EnumMap<>(Modality.class);
    for (Modality m : List.of(Modality.IMAGE, Modality.AUDIO, Modality.SENSOR)) {
      patches.put(m, config.patch(m));
    }
    return patches;
  }

  /** The model with each non-text tokenizer's patch from {@code patches}; the model itself when it is empty. */
  static ModelConfig withPatches(ModelConfig model, java.util.Map<Modality, Integer> patches) {
    if (patches.isEmpty()) {
      return model;
    }
    List<TokenizerSpec> tokenizers = new ArrayList<>();
    for (TokenizerSpec t : model.tokenizers()) {
      int[] s = t.inputShape();
      tokenizers.add(switch (t.kind()) {
        case IMAGE -> TokenizerSpec.image(t.input(), s[0], s[1], s[2], patches.get(Modality.IMAGE));
        case AUDIO -> TokenizerSpec.audio(t.input(), s[1], s[2], patches.get(Modality.AUDIO));
        case SENSOR -> TokenizerSpec.sensor(t.input(), s[0], s[1], patches.get(Modality.SENSOR));
        case TEXT -> t;
      });
    }
    return new ModelConfig(tokenizers, model.encoder(), model.fusion(), model.pooling(), model.head(),
        model.trainableBlocks(), model.weights(), model.frozenWordEmbeddings());
  }
}
