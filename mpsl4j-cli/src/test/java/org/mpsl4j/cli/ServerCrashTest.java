package org.mpsl4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.Datasets;
import org.mpsl4j.engine.mpsl.ServerCheckpoint;

/**
 * A real server process is killed ({@code destroyForcibly}, i.e. SIGKILL) in the middle of an epoch,
 * right after a mid-epoch checkpoint, and started again with {@code --resume} on the same port: the
 * two client processes, which kept running, reconnect with backoff, roll back to their own
 * checkpoints and the run completes. The resumed server reports how many steps were done again (at
 * most {@code --checkpoint-every}).
 */
final class ServerCrashTest {
  private static final Path WORK = Path.of("target", "server-crash");
  private static final Path DATA = Path.of("target", "test-data");
  private static final int EVERY = 10;
  /** 2 clients × 300 samples / batch 5: 60 training steps and an epoch end per epoch (61 global steps). */
  private static final List<String> RUN = List.of("--data-dir", DATA.toString(), "--samples", "600", "--clients", "2",
      "--encoder", "scratch", "--epochs", "2", "--width", "32", "--depth", "2", "--client-batch", "5",
      "--deadline-s", "60");
  private final CliProcesses processes = new CliProcesses(WORK);

  @AfterEach
  void killLeftovers() {
    processes.close();
  }

  @Test
  @Timeout(180)
  void serverKilledMidEpoch_restartsWithResume_andClientsReconnect() throws Exception {
    Datasets.prepare("mnist", DATA, DataOptions.builder().optSeed(2024).optMaxSamplesPerSplit(600).build(), System.out);
    deleteRecursively(WORK);
    Files.createDirectories(WORK);
    Path checkpoints = WORK.resolve("server-checkpoints");
    Path serverData = WORK.resolve("server-data");
    assertThat(Main.commandLine().execute("server-data", "--data-dir", DATA.toString(), "--samples", "600", "--out",
        serverData.toString())).isZero();
    List<String> server = list(list(List.of("server"), RUN), "--server-data", serverData.toString(), "--host", "127.0.0.1", "--out", WORK.resolve("results")
        .toString(), "--checkpoint-dir", checkpoints.toString(), "--checkpoint-every", String.valueOf(EVERY), "--resume");
    Process first = processes.start("server-1", list(server, "--port", "0"));
    int port = processes.awaitPort("server-1", first);
    List<Process> clients = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      clients.add(processes.start("client-" + i, list(list(List.of("client"), RUN), "--index", String.valueOf(i), "--server",
          "127.0.0.1:" + port, "--checkpoint-dir", WORK.resolve("client-" + i + "-checkpoints").toString(),
          "--backoff-ms", "200", "--backoff-max-s", "2", "--reconnects", "40")));
    }

    long checkpoint = awaitMidEpochCheckpoint(checkpoints, first);
    Thread.sleep(300); // a few more steps (about 13 per second here), so that some are lost and redone
    first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    ServerCheckpoint newest = ServerCheckpoint.latest(checkpoints, new ArrayList<>());
    assertThat(newest.globalStep()).isGreaterThanOrEqualTo(checkpoint);
    assertThat(newest.nextStepInEpoch()).as("killed mid-epoch").isPositive();

    Process second = processes.start("server-2", list(server, "--port", String.valueOf(port)));
    for (int i = 0; i < 2; i++) {
      assertThat(clients.get(i).waitFor(150, TimeUnit.SECONDS)).as(processes.log("client-" + i)).isTrue();
      assertThat(clients.get(i).exitValue()).as(processes.log("client-" + i)).isZero();
      assertThat(Files.readString(WORK.resolve("client-" + i + ".err"))).contains("connection lost");
    }
    assertThat(second.waitFor(60, TimeUnit.SECONDS)).as(processes.log("server-2")).isTrue();
    assertThat(second.exitValue()).as(processes.log("server-2")).isZero();

    String out = Files.readString(WORK.resolve("server-2.out"));
    assertThat(out).contains("resumed run ", "global step " + newest.globalStep() + ",");
    Matcher redone = Pattern.compile("clients had applied (\\d+) more training steps").matcher(out);
    int stepsRedone = redone.find() ? Integer.parseInt(redone.group(1)) : 0;
    assertThat(stepsRedone).as("steps done again").isLessThanOrEqualTo(EVERY);
    System.out.printf("server killed 300 ms after its checkpoint of global step %d; resumed from %d (epoch %d, step"
        + " %d); %d steps redone%n", checkpoint, newest.globalStep(), newest.nextEpoch() + 1, newest.nextStepInEpoch(),
        stepsRedone);
    JsonNode json = new ObjectMapper().readTree(WORK.resolve("results").resolve("results.json").toFile());
    assertThat(json.get("epochs")).as("the resumed server finished the epoch it resumed in and the next")
        .hasSize(2 - newest.nextEpoch());
    assertThat(json.get("epochs").get(0).get("steps").asInt()).as("the resumed epoch counts its steps before the crash")
        .isEqualTo(newest.stepsPerEpoch());
  }

  /** Waits for a checkpoint in the middle of an epoch; returns its global step. */
  private long awaitMidEpochCheckpoint(Path dir, Process server) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline) {
      Optional<Long> newest = newestCheckpoint(dir);
      if (newest.isPresent() && newest.get() >= 2 * EVERY) {
        return newest.get(); // the second checkpoint, of training step 2·EVERY, well inside epoch 1 (warmed up)
      }
      if (!server.isAlive()) {
        throw new AssertionError("server exited early: " + processes.log("server-1"));
      }
      Thread.sleep(10);
    }
    throw new AssertionError("no mid-epoch checkpoint within 2 minutes: " + processes.log("server-1"));
  }

  private static Optional<Long> newestCheckpoint(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return Optional.empty();
    }
    Pattern name = Pattern.compile("server-(\\d{12})\\.safetensors");
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(f -> name.matcher(f.getFileName().toString())).filter(Matcher::matches)
          .map(m -> Long.parseLong(m.group(1))).max(Comparator.naturalOrder());
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (Stream<Path> all = Files.walk(dir)) {
        for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  private static List<String> list(List<String> head, String... tail) {
    return list(head, List.of(tail));
  }

  private static List<String> list(List<String> head, List<String> tail) {
    List<String> out = new ArrayList<>(head);
    out.addAll(tail);
    return out;
  }
}
