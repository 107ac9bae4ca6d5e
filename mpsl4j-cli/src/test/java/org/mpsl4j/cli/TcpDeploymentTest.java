package org.mpsl4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.Datasets;

/**
 * The deployment shape, for real: certificates from {@code mpsl4j certs}, then a {@code server}
 * process with mutual TLS and per-client tokens, no training data and secure aggregation, and three {@code client}
 * processes on loopback TCP (one of them on its own data, {@code --own-data}) complete two epochs of MPSL on real MNIST
 * digits with spread batches; a client started with other model settings is
 * turned away with a message that says so, and a client holding client-1's certificate cannot join as
 * client-0.
 */
final class TcpDeploymentTest {
  private static final Path WORK = Path.of("target", "tcp-deployment");
  private static final Path DATA = Path.of("target", "test-data");
  private static final List<String> RUN = List.of("--data-dir", DATA.toString(), "--samples", "600", "--clients", "3",
      "--encoder", "scratch",
      "--epochs", "2", "--width", "32", "--depth", "2", "--client-batch", "5", "--deadline-s", "60",
      "--secure-aggregation", "--tokenizer-sync", "epoch"); // secure aggregation averages per-client tokenizers
  private final CliProcesses processes = new CliProcesses(WORK);

  @AfterEach
  void killLeftovers() {
    processes.close();
  }

  @Test
  void serverWithoutTrainingData_andThreeClientProcesses_completeTwoEpochs() throws Exception {
    Files.createDirectories(WORK);
    // Fetch and cache the data once, so the processes do not all download it at the same time.
    Datasets.prepare("mnist", DATA, DataOptions.builder().optSeed(2024).optMaxSamplesPerSplit(600).build(), System.out);
    Path results = WORK.resolve("results");
    deleteRecursively(results);
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

    // The server gets the inputs, classes and test split only, and a data folder with nothing in it: were it to load
    // the dataset (training half included), it would fetch and cache it there.
    Path serverData = WORK.resolve("server-data");
    assertThat(Main.commandLine().execute("server-data", "--data-dir", DATA.toString(), "--samples", "600", "--out",
        serverData.toString())).isZero();
    Path emptyDataDir = WORK.resolve("server-data-dir");
    deleteRecursively(emptyDataDir);
    Files.createDirectories(emptyDataDir);
    List<String> serverRun = new ArrayList<>(RUN);
    serverRun.set(serverRun.indexOf(DATA.toString()), emptyDataDir.toString());
    Process server = processes.start("server", list(list(List.of("server"), serverRun), "--server-data",
        serverData.toString(), "--port", "0", "--host", "127.0.0.1", "--out", results.toString(),
        "--tls-cert", certs.resolve("server.crt").toString(), "--tls-key", certs.resolve("server.key").toString(),
        "--tls-client-ca", certs.resolve("ca.crt").toString(), "--tokens-file", certs.resolve("tokens.txt").toString()));
    int port = processes.awaitPort("server", server);
    Process stranger = processes.start("stranger", list(List.of("client", "--data-dir", DATA.toString(), "--samples", "600", "--clients", "3",
        "--encoder", "scratch", "--width", "48", "--depth", "2", "--index", "0", "--server", "127.0.0.1:" + port,
        "--token", tokens.get("client-0")), tls(certs, "client-0")));
    // client-1's certificate and key, claiming index 0 (client-0) with client-0's token
    Process impostor = processes.start("impostor", list(list(List.of("client"), RUN), list(tls(certs, "client-1"), "--index", "0",
        "--server", "127.0.0.1:" + port, "--token", tokens.get("client-0"))));

    assertThat(exitCode(stranger, Duration.ofMinutes(3))).as(processes.log("stranger")).isEqualTo(1);
    assertThat(Files.readString(WORK.resolve("stranger.err"))).contains("the server said BAD_HELLO", "was built for model");
    assertThat(exitCode(impostor, Duration.ofMinutes(3))).as(processes.log("impostor")).isEqualTo(1);
    assertThat(Files.readString(WORK.resolve("impostor.err")))
        .contains("the server said UNAUTHENTICATED", "issued to 'client-1' but Hello claims client 'client-0'");
    // The real clients start only now: the server waits for them, so it is still there for the two refused ones
    // however slowly their JVMs start (started together, a loaded machine could let the run end first).
    List<Process> clients = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      // client-2 is a device on its own data (--own-data: the whole 600-sample training split), under the default
      // spread batches: it declares the most a slice can be and slices over the server's epoch.
      List<String> own = i == 2 ? List.of("--own-data") : List.of();
      clients.add(processes.start("client-" + i, list(list(List.of("client"), RUN), list(list(tls(certs, "client-" + i), "--index", String.valueOf(i),
          "--server", "127.0.0.1:" + port, "--token", tokens.get("client-" + i)), own))));
    }
    for (int i = 0; i < 3; i++) {
      assertThat(exitCode(clients.get(i), Duration.ofMinutes(5))).as(processes.log("client-" + i)).isZero();
      assertThat(Files.readString(WORK.resolve("client-" + i + ".out"))).contains("client-" + i + ": training done");
    }
    assertThat(exitCode(server, Duration.ofMinutes(1))).as(processes.log("server")).isZero();

    long samples = 0;
    for (int i = 0; i < 3; i++) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("client-" + i + ": (\\d+) training samples")
          .matcher(Files.readString(WORK.resolve("client-" + i + ".out")));
      assertThat(m.find()).as(processes.log("client-" + i)).isTrue();
      samples += Long.parseLong(m.group(1));
    }
    assertThat(Files.readString(WORK.resolve("client-2.out"))).contains("client-2: 600 training samples");
    JsonNode json = new ObjectMapper().readTree(results.resolve("results.json").toFile());
    assertThat(json.get("epochs")).hasSize(2);
    for (JsonNode epoch : json.get("epochs")) {
      assertThat(epoch.get("missedDeadlines").asInt()).isZero();
      assertThat(epoch.get("steps").asInt()).as("spread batches: T = ceil(n / (N*b)) over the declared sizes")
          .isEqualTo((int) ((samples + 14) / 15));
    }
    assertThat(json.get("bytesPerClient").size()).as("clients that trained").isEqualTo(3);
    assertThat(json.get("bytesPerClient").get("client-0").get(0).asLong()).isPositive();
    assertThat(Files.readString(WORK.resolve("server.out"))).contains("mutual TLS, 3 client tokens")
        .as("every epoch end securely aggregated").doesNotContain("secure aggregation");
    try (var left = Files.list(emptyDataDir)) {
      assertThat(left.toList()).as("files the server put into its data folder").isEmpty();
    }
    assertThat(results.resolve("partition.json")).as("no partition or class histogram from the server").doesNotExist();
    assertThat(epochsTestAccuracy(json)).as("the global model scored on the server's own test set").isPositive();
  }

  private static double epochsTestAccuracy(JsonNode json) {
    return json.get("epochs").get(json.get("epochs").size() - 1).get("testAccuracy").asDouble();
  }

  private static void deleteRecursively(Path dir) throws java.io.IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** The client options for mutual TLS with the certificate of {@code id}. */
  private static List<String> tls(Path certs, String id) {
    return List.of("--tls-ca", certs.resolve("ca.crt").toString(), "--tls-cert", certs.resolve(id + ".crt").toString(),
        "--tls-key", certs.resolve(id + ".key").toString());
  }

  private static int exitCode(Process p, Duration limit) throws InterruptedException {
    if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("process did not finish within " + limit);
    }
    return p.exitValue();
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
