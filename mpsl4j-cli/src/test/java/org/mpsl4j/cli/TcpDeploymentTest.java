package org.mpsl4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.Datasets;

/**
 * The deployment shape, for real: certificates from {@code mpsl4j certs}, then a {@code server}
 * process with mutual TLS and per-client tokens and three {@code client} processes on loopback TCP
 * complete two epochs of MPSL on real MNIST digits; a client started with other model settings is
 * turned away with a message that says so, and a client holding client-1's certificate cannot join as
 * client-0.
 */
final class TcpDeploymentTest {
  private static final Path WORK = Path.of("target", "tcp-deployment");
  private static final Path DATA = Path.of("target", "test-data");
  private static final List<String> RUN = List.of("--data-dir", DATA.toString(), "--samples", "600", "--clients", "3",
      "--encoder", "scratch",
      "--epochs", "2", "--width", "32", "--depth", "2", "--client-batch", "5", "--deadline-s", "60");
  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void killLeftovers() {
    processes.forEach(Process::destroyForcibly);
  }

  @Test
  void serverAndThreeClientProcesses_completeTwoEpochs() throws Exception {
    Files.createDirectories(WORK);
    // Fetch and cache the data once, so the processes do not all download it at the same time.
    Datasets.prepare("mnist", DATA, DataOptions.builder().optSeed(2024).optMaxSamplesPerSplit(600).build(), System.out);
    Path results = WORK.resolve("results");
    Path certs = WORK.resolve("certs");
    if (Files.exists(certs)) {
      try (var files = Files.list(certs)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
    }
    assertThat(Main.commandLine().execute("certs", "--out", certs.toString(), "--clients", "3", "--tokens")).isZero();
    Map<String, String> tokens = ServerCommand.readTokens(certs.resolve("tokens.txt"));

    Process server = start("server", list(list(List.of("server"), RUN), "--port", "0", "--host", "127.0.0.1", "--out", results.toString(),
        "--tls-cert", certs.resolve("server.crt").toString(), "--tls-key", certs.resolve("server.key").toString(),
        "--tls-client-ca", certs.resolve("ca.crt").toString(), "--tokens-file", certs.resolve("tokens.txt").toString()));
    int port = awaitPort(WORK.resolve("server.out"), server);
    List<Process> clients = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      clients.add(start("client-" + i, list(list(List.of("client"), RUN), list(tls(certs, "client-" + i), "--index", String.valueOf(i),
          "--server", "127.0.0.1:" + port, "--token", tokens.get("client-" + i)))));
    }
    Process stranger = start("stranger", list(List.of("client", "--data-dir", DATA.toString(), "--samples", "600", "--clients", "3",
        "--encoder", "scratch", "--width", "48", "--depth", "2", "--index", "0", "--server", "127.0.0.1:" + port,
        "--token", tokens.get("client-0")), tls(certs, "client-0")));
    // client-1's certificate and key, claiming index 0 (client-0) with client-0's token
    Process impostor = start("impostor", list(list(List.of("client"), RUN), list(tls(certs, "client-1"), "--index", "0",
        "--server", "127.0.0.1:" + port, "--token", tokens.get("client-0"))));

    assertThat(exitCode(stranger, Duration.ofMinutes(3))).as(log("stranger")).isEqualTo(1);
    assertThat(Files.readString(WORK.resolve("stranger.err"))).contains("the server said BAD_HELLO", "was built for model");
    assertThat(exitCode(impostor, Duration.ofMinutes(3))).as(log("impostor")).isEqualTo(1);
    assertThat(Files.readString(WORK.resolve("impostor.err")))
        .contains("the server said UNAUTHENTICATED", "issued to 'client-1' but Hello claims client 'client-0'");
    for (int i = 0; i < 3; i++) {
      assertThat(exitCode(clients.get(i), Duration.ofMinutes(5))).as(log("client-" + i)).isZero();
      assertThat(Files.readString(WORK.resolve("client-" + i + ".out"))).contains("client-" + i + ": training done");
    }
    assertThat(exitCode(server, Duration.ofMinutes(1))).as(log("server")).isZero();

    JsonNode json = new ObjectMapper().readTree(results.resolve("results.json").toFile());
    assertThat(json.get("epochs")).hasSize(2);
    for (JsonNode epoch : json.get("epochs")) {
      assertThat(epoch.get("missedDeadlines").asInt()).isZero();
      assertThat(epoch.get("steps").asInt()).isPositive();
    }
    assertThat(json.get("bytesPerClient").size()).as("clients that trained").isEqualTo(3);
    assertThat(json.get("bytesPerClient").get("client-0").get(0).asLong()).isPositive();
    assertThat(Files.readString(WORK.resolve("server.out"))).contains("mutual TLS, 3 client tokens");
  }

  /** The client options for mutual TLS with the certificate of {@code id}. */
  private static List<String> tls(Path certs, String id) {
    return List.of("--tls-ca", certs.resolve("ca.crt").toString(), "--tls-cert", certs.resolve(id + ".crt").toString(),
        "--tls-key", certs.resolve(id + ".key").toString());
  }

  /** Starts {@code mpsl4j <args>} as its own JVM, with its output in target/tcp-deployment/&lt;name&gt;.out/.err. */
  private Process start(String name, List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g", "-Dai.djl.offline=true", "-Dai.djl.default_engine=PyTorch", "-Dai.djl.pytorch.num_threads=1",
        "-Dai.djl.pytorch.num_interop_threads=1", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=error",
        "-cp", classPath(), Main.class.getName()));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(WORK.resolve(name + ".out").toFile())
        .redirectError(WORK.resolve(name + ".err").toFile());
    pb.environment().put("OMP_NUM_THREADS", "1");
    Process p = pb.start();
    processes.add(p);
    return p;
  }

  private static String classPath() {
    String cp = System.getProperty("surefire.test.class.path");
    return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
  }

  /** Reads the port from the server's "listening on host:port" line. */
  private static int awaitPort(Path out, Process server) throws Exception {
    Pattern listening = Pattern.compile("listening on [^ ]*:(\\d+)");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline) {
      if (Files.exists(out)) {
        Matcher m = listening.matcher(Files.readString(out));
        if (m.find()) {
          return Integer.parseInt(m.group(1));
        }
      }
      if (!server.isAlive()) {
        throw new AssertionError("server exited with " + server.exitValue() + ": " + log("server"));
      }
      Thread.sleep(200);
    }
    throw new AssertionError("server did not start listening within 2 minutes: " + log("server"));
  }

  private static int exitCode(Process p, Duration limit) throws InterruptedException {
    if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("process did not finish within " + limit);
    }
    return p.exitValue();
  }

  private static String log(String name) {
    try {
      return name + " stdout:\n" + Files.readString(WORK.resolve(name + ".out")) + "\nstderr:\n"
          + Files.readString(WORK.resolve(name + ".err"));
    } catch (IOException e) {
      return name + ": no log (" + e.getMessage() + ")";
    }
  }

  private static List<String> list(List<String> head, String... tail) {
    List<String> out = new ArrayList<>(head);
    out.addAll(List.of(tail));
    return out;
  }

  private static List<String> list(List<String> head, List<String> tail) {
    List<String> out = new ArrayList<>(head);
    out.addAll(tail);
    return out;
  }
}
