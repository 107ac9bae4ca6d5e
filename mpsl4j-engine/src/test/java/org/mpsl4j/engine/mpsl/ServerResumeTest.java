package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server crashes between two steps in the middle of an epoch and a new server resumes from its
 * last checkpoint; the clients, which kept running, reconnect with backoff, roll back to their own
 * checkpoint of that step and the run completes. The result is compared with an undisturbed run of
 * the same seed: at most K steps are done again, every step's update is in the final state exactly
 * once (optimizer step counts), and the final parameters are the same.
 */
final class ServerResumeTest {
  private static final long SEED = 21;
  private static final float LR = 2e-3f;
  private static final int K = 4;
  private static final int CLIENTS = 3;
  private static final RandomDataset DATA = new RandomDataset(36, 3, 5);

  @TempDir Path tmp;

  /** The resume runs' server: 3 clients, a checkpoint every K steps (also SharedTokenizerResumeTest's). */
  static ServerConfig config(Path dir) {
    return new ServerConfig(CLIENTS, 2, LR, 1, 0.5f, Duration.ofSeconds(30), Duration.ofSeconds(20), Map.of(), null, 8)
        .withCheckpoints(dir.resolve("server"), K);
  }

  /** Client i: 12 samples, batch 2, so 6 steps per epoch; its own checkpoint folder. */
  static MpslClient client(Path dir, int i) {
    return new MpslClient(new ClientConfig("client-" + i, "", 2, SEED, 100 + i), HostileInputTest.MODEL, DATA,
        IntStream.range(12 * i, 12 * i + 12).toArray(), LR).withCheckpoints(dir.resolve("client-" + i));
  }

  /** What a run ends with. */
  private record Outcome(Map<String, float[]> server, Map<String, float[]> tokenizers, long serverSteps,
      List<Map<String, float[]>> clients, List<Long> clientSteps, List<EpochStats> epochs, long crashedAfter,
      long resumedAfter, long redone) {}

  @Test
  @Timeout(60)
  void serverCrashMidEpoch_resumesFromItsCheckpoint_andEndsLikeAnUndisturbedRun() throws Exception {
    Outcome calm = run(tmp.resolve("calm"), -1);
    // Global step 11 is epoch 1's 4th step (6 training steps + an epoch end per epoch): the last
    // checkpoint before it is training step 8 (global step 9), so two steps are done again.
    Outcome crash = run(tmp.resolve("crash"), 11);

    assertThat(crash.crashedAfter()).isEqualTo(11);
    assertThat(crash.resumedAfter()).isEqualTo(9);
    assertThat(crash.redone()).as("training steps done again").isEqualTo(2).isLessThanOrEqualTo(K);
    assertThat(crash.serverSteps()).as("server updates in the final model").isEqualTo(calm.serverSteps()).isEqualTo(12);
    assertThat(crash.clientSteps()).as("client updates in the final tokenizers").isEqualTo(calm.clientSteps());
    assertThat(crash.epochs().get(0).samples()).as("the resumed epoch counts every step once")
        .isEqualTo(calm.epochs().get(1).samples()).isEqualTo(36);
    assertThat(crash.epochs().get(0).meanLoss()).isCloseTo(calm.epochs().get(1).meanLoss(), org.assertj.core.data.Offset.offset(1e-5));
    double server = FaultyCluster.maxDifference(calm.server(), crash.server());
    double tokenizers = FaultyCluster.maxDifference(calm.tokenizers(), crash.tokenizers());
    System.out.printf("resume: crashed after step %d, resumed after %d, %d steps redone; max |Δθ| server %.3g,"
        + " global tokenizers %.3g%n", crash.crashedAfter(), crash.resumedAfter(), crash.redone(), server, tokenizers);
    assertThat(server).as("server parameters vs the undisturbed run").isLessThanOrEqualTo(1e-5);
    assertThat(tokenizers).as("global tokenizers vs the undisturbed run").isLessThanOrEqualTo(1e-5);
    for (int i = 0; i < CLIENTS; i++) {
      assertThat(FaultyCluster.maxDifference(calm.clients().get(i), crash.clients().get(i))).as("client-" + i)
          .isLessThanOrEqualTo(1e-5);
    }
  }

  /** Trains 2 epochs; with {@code crashAfter > 0} the server dies after that global step and a new one resumes. */
  private Outcome run(Path dir, long crashAfter) throws Exception {
    ServerConfig config = config(dir);
    try (FaultyCluster cluster = new FaultyCluster(config, HostileInputTest.MODEL, SEED, CLIENTS, i -> client(dir, i))) {
      MpslServer first = cluster.startServer(null);
      long[] crashedAt = {0};
      if (crashAfter > 0) {
        first.onProgress((epoch, step, steps) -> {
          if (first.globalStep() == crashAfter) {
            crashedAt[0] = first.globalStep();
            throw new FaultyCluster.Crash();
          }
        });
      }
      for (int i = 0; i < CLIENTS; i++) {
        cluster.startClient(i);
      }
      List<EpochStats> epochs = new ArrayList<>();
      long resumedAfter = 0;
      long redone = 0;
      MpslServer last = first;
      try {
        epochs.addAll(first.train(e -> {}));
      } catch (FaultyCluster.Crash expected) {
        cluster.crashServer();
        List<String> warnings = new ArrayList<>();
        ServerCheckpoint checkpoint = ServerCheckpoint.latest(config.checkpointDir(), warnings);
        assertThat(warnings).isEmpty();
        last = cluster.startServer(checkpoint);
        resumedAfter = checkpoint.globalStep();
        epochs.addAll(last.train(e -> {}));
        redone = last.stepsRedone();
      }
      assertThat(cluster.awaitClients()).as("every client finished; log: " + cluster.log).isTrue();
      List<Map<String, float[]>> clients = new ArrayList<>();
      List<Long> clientSteps = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        clients.add(FaultyCluster.parameters(cluster.client(i).model()));
        clientSteps.add(cluster.client(i).optimizer().steps());
      }
      return new Outcome(FaultyCluster.parameters(last.model()), FaultyCluster.parameters(last.globalTokenizers()),
          last.optimizerSteps(), clients, clientSteps, epochs, crashedAt[0], resumedAfter, redone);
    }
  }
}
