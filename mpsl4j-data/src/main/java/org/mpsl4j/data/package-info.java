/**
 * Datasets for multimodal split learning: the sample and batch types every other module codes against
 * ({@link org.mpsl4j.data.LabeledDataset}, {@link org.mpsl4j.data.Batch}, {@link org.mpsl4j.data.InputSpec}), the
 * in-memory implementation ({@link org.mpsl4j.data.ArrayDataset}) and the registry of named, real datasets
 * ({@link org.mpsl4j.data.Datasets}).
 *
 * <p>Loaders live in sub-packages by modality ({@code image}, {@code audio}, {@code text}, {@code sensor},
 * {@code openclipart}); fetching from package managers in {@code source}; the on-disk tensor cache in {@code cache};
 * client partitioning in {@code partition}. Nothing here depends on a deep-learning engine: batches are plain arrays.
 * All types are immutable and thread-safe unless stated otherwise; no method returns null unless documented.
 */
package org.mpsl4j.data;
