package org.mpsl4j.data.source;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.mpsl4j.data.DataUnavailableException;

/**
 * Runs a package-manager command ({@code npm}, {@code apt-get}, {@code dpkg-deb}) that fetches a dataset, and turns
 * every way it can fail into a {@link DataUnavailableException} whose message says what to do instead.
 */
final class ExternalCommand {

  private ExternalCommand() {
  }

  /**
   * Runs {@code command} in {@code workDir} and returns its combined output.
   *
   * @param howToGetInstead appended to any failure message: how to obtain the source by hand
   */
  static String run(List<String> command, Path workDir, long timeoutSeconds, String howToGetInstead) {
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new DataUnavailableException("cannot run '" + command.get(0) + "' (" + e.getMessage() + "). "
          + howToGetInstead, e);
    }
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    Thread drain = new Thread(() -> {
      try (InputStream in = process.getInputStream()) {
        in.transferTo(output);
      } catch (IOException e) {
        // The process output is only used for the error message.
      }
    }, "drain-" + command.get(0));
    drain.start();
    try {
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new DataUnavailableException("'" + String.join(" ", command) + "' did not finish within "
            + timeoutSeconds + " s. " + howToGetInstead);
      }
      drain.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException("interrupted while running " + command.get(0), e));
    }
    String text;
    synchronized (output) {
      text = output.toString(StandardCharsets.UTF_8).strip();
    }
    if (process.exitValue() != 0) {
      throw new DataUnavailableException("'" + String.join(" ", command) + "' failed with exit code "
          + process.exitValue() + (text.isEmpty() ? "" : ": " + lastLines(text, 5)) + ". " + howToGetInstead);
    }
    return text;
  }

  private static String lastLines(String text, int n) {
    String[] lines = text.split("\\R");
    int from = Math.max(0, lines.length - n);
    return String.join(" | ", Arrays.copyOfRange(lines, from, lines.length));
  }
}
