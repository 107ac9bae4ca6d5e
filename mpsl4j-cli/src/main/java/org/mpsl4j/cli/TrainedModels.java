package org.mpsl4j.cli;

import org.mpsl4j.data.manifest.ManifestConfig;
import org.mpsl4j.data.manifest.ManifestSource;

/** What {@code predict} and {@code evaluate} share: the preprocessing settings of the training data, CSV quoting. */
final class TrainedModels {
  private TrainedModels() {}

  /** The training manifest's settings, or the defaults for a built-in dataset (then only pictures can be read). */
  static ManifestConfig manifestConfig(ExperimentOptions x) {
    return ManifestSource.isManifest(x.dataset)
        ? ManifestConfig.forManifest(ManifestSource.pathOf(x.dataset))
        : ManifestConfig.defaults();
  }

  /** A CSV field, quoted when it holds a comma, quote or line break. */
  static String csvField(String s) {
    return s.matches(".*[,\"\\n\\r].*") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }
}
