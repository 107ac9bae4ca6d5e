package org.mpsl4j.cli;

import java.nio.file.Path;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.data.Modality;
import org.mpsl4j.data.manifest.ManifestConfig;
import org.mpsl4j.data.manifest.ManifestSource;
import org.mpsl4j.data.manifest.PredictionInputs;

/** What {@code predict} and {@code evaluate} share: the preprocessing settings of the training data, CSV quoting. */
final class TrainedModels {
  private TrainedModels() {}

  /**
   * New inputs preprocessed as the training data was: the training manifest's settings and its sensor
   * standardization, or the defaults for a built-in dataset (then only pictures can be read).
   */
  static PredictionInputs inputs(ExperimentOptions x, LabeledDataset training) {
    if (!ManifestSource.isManifest(x.dataset)) {
      return new PredictionInputs(training, ManifestConfig.defaults());
    }
    Path manifest = ManifestSource.pathOf(x.dataset);
    boolean sensor = training.inputs().stream().anyMatch(in -> in.modality() == Modality.SENSOR);
    return new PredictionInputs(training, ManifestConfig.forManifest(manifest),
        sensor ? ManifestSource.sensorStandardizer(manifest, x.seed) : null);
  }

  /** A CSV field, quoted when it holds a comma, quote or line break. */
  static String csvField(String s) {
    return s.matches(".*[,\"\\n\\r].*") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }
}
