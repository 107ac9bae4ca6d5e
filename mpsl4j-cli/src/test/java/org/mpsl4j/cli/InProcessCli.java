package org.mpsl4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Runs an {@code mpsl4j} command in this JVM and keeps what it printed; finds {@code shared/datasets}. */
final class InProcessCli {
  private InProcessCli() {}

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    PrintStream savedOut = System.out;
    PrintStream savedErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int code;
    try {
      var cli = Main.commandLine();
      cli.setErr(new java.io.PrintWriter(System.err, true));
      code = cli.execute(args);
    } finally {
      System.setOut(savedOut);
      System.setErr(savedErr);
    }
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** {@code shared/datasets/<name>}, found by walking up from the working folder as the data tests do. */
  static Path shared(String name) {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path candidate = d.resolve("shared").resolve("datasets").resolve(name);
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    throw new AssertionError("shared/datasets/" + name + " not found above " + Path.of("").toAbsolutePath());
  }
}
