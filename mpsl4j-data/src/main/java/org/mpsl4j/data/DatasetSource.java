package org.mpsl4j.data;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * One dataset the registry ({@link Datasets}) knows: where its files come from, how to fetch them and how to turn
 * them into tensors. {@link Datasets} adds the cache around {@link #build}; implementations stay free of caching.
 */
public interface DatasetSource {

  /** Registry name, e.g. {@code mnist}. */
  String name();

  /** One line: modalities, source, licence and size, for listings. */
  String description();

  /**
   * Makes the sources available under {@code dataDir} (download and unpack where this dataset can be fetched), or
   * checks that they are already there; prints where each one came from.
   *
   * @throws DataUnavailableException naming the source and how to obtain it
   */
  void prepare(Path dataDir, DataOptions options, PrintStream log);

  /**
   * Identifies the source files (not their content), so that a cache entry is dropped when they change.
   *
   * @throws DataUnavailableException if a source is missing
   */
  String fingerprint(Path dataDir, DataOptions options);

  /** Reads and preprocesses the sources into a train/test split. */
  DatasetSplit build(Path dataDir, DataOptions options);
}
