package org.mpsl4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Finds a Python that imports torch, and the repository's {@code python/mpsl4j_torch.py}. */
final class PythonWithTorch {
  private PythonWithTorch() {}

  /** The first of $MPSL4J_PYTHON, /usr/bin/python3 (Debian's python3-torch) and python3 that imports torch; or null. */
  static String find() {
    List<String> candidates = new ArrayList<>();
    String env = System.getenv("MPSL4J_PYTHON");
    if (env != null && !env.isBlank()) {
      candidates.add(env);
    }
    candidates.add("/usr/bin/python3");
    candidates.add("python3");
    for (String py : candidates) {
      try {
        Process p = new ProcessBuilder(py, "-c", "import torch").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0) {
          return py;
        }
      } catch (IOException e) {
        // not installed: try the next one
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    return null;
  }

  static Path module() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path candidate = d.resolve("python").resolve("mpsl4j_torch.py");
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw new AssertionError("python/mpsl4j_torch.py not found above " + Path.of("").toAbsolutePath());
  }
}
