/**
 * Datasets described by the user: a manifest (CSV or JSON lines) whose rows name each sample's files or values per
 * modality, its label and optionally its client and split, plus an optional JSON sidecar with the preprocessing
 * settings. {@link org.mpsl4j.data.manifest.ManifestSource} is the way in ({@code --dataset manifest:<path>});
 * {@link org.mpsl4j.data.manifest.ManifestCheck} validates a manifest and reports every problem with its line.
 */
package org.mpsl4j.data.manifest;
