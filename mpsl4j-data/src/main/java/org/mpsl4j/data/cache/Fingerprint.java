package org.mpsl4j.data.cache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Stream;

/**
 * Identifies source files by name, size and modification time, hashed: cheap enough to compute on every load (no file
 * is read), and it changes whenever a file is replaced, added or removed, which is what invalidates a cache entry.
 */
public final class Fingerprint {

  private Fingerprint() {
  }

  /** Fingerprint of these files (order matters); a missing file is part of the fingerprint as "missing". */
  public static String ofFiles(Collection<Path> files) {
    StringBuilder sb = new StringBuilder();
    for (Path f : files) {
      sb.append(f.toAbsolutePath().normalize()).append('|');
      try {
        BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
        sb.append(a.size()).append('|').append(a.lastModifiedTime().toMillis());
      } catch (IOException e) {
        sb.append("missing");
      }
      sb.append('\n');
    }
    return SplitCache.hash(sb.toString());
  }

  /** Fingerprint of every regular file under {@code dir} (symbolic links are not followed), in sorted order. */
  public static String ofTree(Path dir) {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.filter(Files::isRegularFile).sorted().forEach(files::add);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
    }
    return ofFiles(files);
  }
}
