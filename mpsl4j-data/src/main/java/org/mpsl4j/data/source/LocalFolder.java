package org.mpsl4j.data.source;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.mpsl4j.data.DataUnavailableException;

/**
 * Finds a dataset that cannot be fetched by a package manager (FSDD, sp-sw-har) in a folder: the one the user named,
 * else {@code <dataDir>/<name>}, else {@code ../shared/datasets/<name>} relative to the working folder (where these
 * machines keep a copy). A folder counts only if it holds the dataset's marker entry (e.g. {@code recordings}).
 */
public final class LocalFolder {

  private LocalFolder() {
  }

  /**
   * The first candidate folder that holds {@code marker}.
   *
   * @param option   the folder the user named, or null
   * @param dataDir  the data folder
   * @param name     the dataset's folder name, e.g. {@code fsdd}
   * @param marker   an entry the folder must hold, e.g. {@code recordings}
   * @param howToGet how to obtain the dataset, for the message
   * @throws DataUnavailableException listing the folders tried and how to get the data
   */
  public static Path find(Path option, Path dataDir, String name, String marker, String howToGet) {
    List<Path> candidates = new ArrayList<>();
    if (option != null) {
      candidates.add(option);
    } else {
      candidates.add(dataDir.resolve(name));
      candidates.add(Path.of("..", "shared", "datasets", name));
    }
    for (Path c : candidates) {
      if (Files.exists(c.resolve(marker))) {
        return c;
      }
    }
    List<String> tried = new ArrayList<>();
    for (Path c : candidates) {
      tried.add(c.toAbsolutePath().normalize().toString());
    }
    throw new DataUnavailableException(name + ": no folder holding '" + marker + "' found (tried " + tried + "). "
        + howToGet);
  }
}
