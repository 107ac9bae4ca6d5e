package org.mpsl4j.data;

import java.nio.file.Path;

/**
 * One input file (or one row of it) is unreadable or malformed. Loaders catch it per item, report the file and the
 * problem, skip the item and count it; where a whole source is unusable (e.g. an idx file with a bad header) it
 * propagates, so that the user sees which file to replace.
 */
public class CorruptDataException extends RuntimeException {

  private final transient Path file;

  public CorruptDataException(Path file, String problem) {
    super(file + ": " + problem);
    this.file = file;
  }

  public CorruptDataException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
    this.file = file;
  }

  /** The file that is corrupt. */
  public Path file() {
    return file;
  }
}
