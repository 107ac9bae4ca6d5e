package org.mpsl4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code mpsl4j} commands as separate JVMs for the deployment tests: one small heap and one libtorch
 * thread each, stdout and stderr in {@code work/<name>.out|.err}. {@link #close()} kills what is left.
 */
final class CliProcesses implements AutoCloseable {
  private final Path work;
  private final List<Process> processes = new ArrayList<>();

  CliProcesses(Path work) {
    this.work = work;
  }

  Process start(String name, List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g", "-Dai.djl.offline=true", "-Dai.djl.default_engine=PyTorch", "-Dai.djl.pytorch.num_threads=1",
        "-Dai.djl.pytorch.num_interop_threads=1", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=error", "-cp", classPath(), Main.class.getName()));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(work.resolve(name + ".out").toFile())
        .redirectError(work.resolve(name + ".err").toFile());
    pb.environment().put("OMP_NUM_THREADS", "1");
    Process p = pb.start();
    processes.add(p);
    return p;
  }

  /** The port from the server's "listening on host:port" line, once it is printed (2 minutes at most). */
  int awaitPort(String name, Process server) throws Exception {
    Pattern listening = Pattern.compile("listening on [^ ]*:(\\d+)");
    Path out = work.resolve(name + ".out");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline) {
      if (Files.exists(out)) {
        Matcher m = listening.matcher(Files.readString(out));
        if (m.find()) {
          return Integer.parseInt(m.group(1));
        }
      }
      if (!server.isAlive()) {
        throw new AssertionError("server exited with " + server.exitValue() + ": " + log(name));
      }
      Thread.sleep(100);
    }
    throw new AssertionError("server did not start listening within 2 minutes: " + log(name));
  }

  /** Both outputs of process {@code name}, for assertion messages. */
  String log(String name) {
    try {
      return name + " stdout:\n" + Files.readString(work.resolve(name + ".out")) + "\nstderr:\n"
          + Files.readString(work.resolve(name + ".err"));
    } catch (IOException e) {
      return name + ": no log (" + e.getMessage() + ")";
    }
  }

  private static String classPath() {
    String cp = System.getProperty("surefire.test.class.path");
    return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
  }

  @Override
  public void close() {
    processes.forEach(Process::destroyForcibly);
  }
}
