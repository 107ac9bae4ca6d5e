package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Server checkpoints with one shared tokenizer trained by FedSGD ({@code --tokenizer-sync gradients}): the checkpoint
 * holds the global tokenizers and their optimizer, and every client gets the global tokenizers before its first step
 * after it (re)joins, so a run whose server crashed mid-epoch and resumed ends exactly like an undisturbed one.
 */
final class SharedTokenizerResumeTest {
  private static final long SEED = 21;
  private static final float LR = 2e-3f;
  private static final int CLIENTS = 3;
  private static final RandomDataset DATA = new RandomDataset(36, 3, 5);
  private static final TokenizerPolicy SHARED = TokenizerPolicy.sharedGradients(1);
  /** The private mode cannot train tables by rows (fixed-length padded sums): its text tables stay frozen. */
  private static final TokenizerPolicy PRIVATE_SHARED = SHARED.withSharedTables(false);

  @TempDir Path tmp;

  /** The server and clients of {@link ServerResumeTest}: the same runs, with the shared tokenizer. */
  private static ServerConfig config(Path dir) {
    return ServerResumeTest.config(dir);
  }

  private static MpslClient client(Path dir, int i) {
    return ServerResumeTest.client(dir, i);
  }

  private record Outcome(Map<String, float[]> server, Map<String, float[]> tokenizers, long serverSteps,
      long tokenizerSteps, List<Map<String, float[]>> clients, List<EpochStats> epochs, long resumedAfter) {}

  @Test
  @Timeout(60)
  void serverCrashMidEpoch_resumesTheSharedTokenizerAndItsOptimizer_andEndsLikeAnUndisturbedRun() throws Exception {
    Outcome calm = run(tmp.resolve("calm"), -1);
    Outcome crash = run(tmp.resolve("crash"), 11); // global step 11: the last checkpoint before it is step 9

    assertThat(crash.resumedAfter()).isEqualTo(9);
    assertThat(crash.serverSteps()).isEqualTo(calm.serverSteps()).isEqualTo(12);
    assertThat(crash.tokenizerSteps()).as("shared tokenizer updates in the final model")
        .isEqualTo(calm.tokenizerSteps()).isEqualTo(12);
    assertThat(crash.epochs().get(0).samples()).isEqualTo(calm.epochs().get(1).samples()).isEqualTo(36);
    try (MpslServer fresh = new MpslServer(config(tmp.resolve("fresh")), HostileInputTest.MODEL, SEED)) {
      assertThat(FaultyCluster.maxDifference(FaultyCluster.parameters(fresh.globalTokenizers()), calm.tokenizers()))
          .as("the shared tokenizer moved from its initialization").isGreaterThan(1e-4);
    }
    double server = FaultyCluster.maxDifference(calm.server(), crash.server());
    double tokenizers = FaultyCluster.maxDifference(calm.tokenizers(), crash.tokenizers());
    System.out.printf("shared-tokenizer resume: max |Δθ| server %.3g, global tokenizers %.3g%n", server, tokenizers);
    assertThat(server).as("server parameters vs the undisturbed run").isLessThanOrEqualTo(1e-6);
    assertThat(tokenizers).as("global tokenizers vs the undisturbed run").isLessThanOrEqualTo(1e-6);
    for (int i = 0; i < CLIENTS; i++) {
      assertThat(FaultyCluster.maxDifference(calm.clients().get(i), crash.clients().get(i))).as("client-" + i)
          .isLessThanOrEqualTo(1e-6);
      assertThat(FaultyCluster.maxDifference(calm.clients().get(i), calm.tokenizers()))
          .as("client-%d holds the global tokenizers", i).isLessThanOrEqualTo(1e-6);
    }
  }

  /** A checkpoint of a run with the shared tokenizer is not resumed by a server without it (its optimizer would go). */
  @Test
  @Timeout(60)
  void checkpointOfASharedTokenizerRun_isRefusedByAServerWithoutIt() throws Exception {
    run(tmp.resolve("calm"), -1);
    ServerCheckpoint checkpoint = ServerCheckpoint.latest(tmp.resolve("calm").resolve("server"), new ArrayList<>());
    try (MpslServer paper = new MpslServer(config(tmp.resolve("calm")), HostileInputTest.MODEL, SEED)) {
      assertThatThrownBy(() -> paper.resumeFrom(checkpoint)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("written by a run with --tokenizer-sync gradients but this server runs without it");
    }
  }

  @Test
  void secureAggregation_withTheSharedTokenizer_isRefusedNamingWhy() {
    String why = "--tokenizer-sync gradients would upload tokenizer gradients in the clear at every step";
    try (MpslServer s = new MpslServer(config(tmp), HostileInputTest.MODEL, SEED)) {
      s.withTokenizerPolicy(SHARED);
      assertThatThrownBy(s::withSecureAggregation).isInstanceOf(IllegalStateException.class).hasMessageContaining(why);
    }
    try (MpslServer s = new MpslServer(config(tmp), HostileInputTest.MODEL, SEED)) {
      s.withSecureAggregation();
      assertThatThrownBy(() -> s.withTokenizerPolicy(SHARED)).hasMessageContaining(why);
    }
  }

  /**
   * The private average with the shared tokenizer keeps the tokenizer on the clients (PrivateSharedTokenizerRunTest),
   * so a server has nothing to checkpoint of it: refused with a checkpoint directory, in either order of setting them,
   * and accepted without one.
   */
  /**
   * The private mode's padded gradients have one fixed length, so text tables cannot go by rows there: a text model
   * with both is refused in either call order, naming the option that fixes it.
   */
  @Test
  void privateAverage_withTablesByRows_isRefusedNamingSharedTablesFrozen() {
    ServerConfig noCheckpoints = new ServerConfig(3, 1, LR, 5, 0.1f, Duration.ofMillis(1000), Duration.ofSeconds(10),
        Map.of(), null, 8);
    try (MpslServer s = new MpslServer(noCheckpoints, HostileInputTest.MODEL, SEED)) {
      s.withTokenizerPolicy(SHARED);
      assertThatThrownBy(s::withPrivateAverage).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("--shared-tables frozen");
    }
    try (MpslServer s = new MpslServer(noCheckpoints, HostileInputTest.MODEL, SEED)) {
      s.withPrivateAverage();
      assertThatThrownBy(() -> s.withTokenizerPolicy(SHARED)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("--shared-tables frozen");
    }
  }

  @Test
  void privateAverage_withTheSharedTokenizer_isRefusedOnlyWithCheckpoints() {
    String why = "server checkpoints cannot hold a private shared tokenizer";
    try (MpslServer s = new MpslServer(config(tmp), HostileInputTest.MODEL, SEED)) {
      s.withTokenizerPolicy(PRIVATE_SHARED);
      assertThatThrownBy(s::withPrivateAverage).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(why);
    }
    try (MpslServer s = new MpslServer(config(tmp), HostileInputTest.MODEL, SEED)) {
      s.withPrivateAverage();
      assertThatThrownBy(() -> s.withTokenizerPolicy(PRIVATE_SHARED)).hasMessageContaining(why);
    }
    ServerConfig noCheckpoints = new ServerConfig(3, 1, LR, 5, 0.1f, Duration.ofMillis(1000), Duration.ofSeconds(10),
        Map.of(), null, 8);
    try (MpslServer s = new MpslServer(noCheckpoints, HostileInputTest.MODEL, SEED)) {
      s.withPrivateAverage().withTokenizerPolicy(PRIVATE_SHARED);
      assertThat(s.holdsGlobalTokenizers()).isFalse();
    }
  }

  /**
   * A client that joins after training started (--min-clients) sends its first activations through the current
   * global tokenizers, not its seeded initial ones: the server sends them before the client's first step.
   */
  @Test
  @Timeout(60)
  void lateJoiner_runsItsFirstStepThroughTheCurrentGlobalTokenizers() throws Exception {
    ServerConfig cfg = new ServerConfig(3, 1, LR, 5, 0.1f, Duration.ofMillis(1000), Duration.ofSeconds(10), Map.of(),
        null, 8).withMinClients(2);
    AtomicReference<Double> atFirstStep = new AtomicReference<>();
    AtomicReference<Long> joinedAfter = new AtomicReference<>();
    try (MpslServer server = new MpslServer(cfg, HostileInputTest.MODEL, SEED).withTokenizerPolicy(SHARED);
        InProcessMpsl net = new InProcessMpsl(server)) {
      server.expectTrainSamples(Map.of("a", 12, "b", 12, "late", 12));
      net.connect(plain("a", 0));
      net.connect(plain("b", 1));
      List<ScriptedClient> late = new ArrayList<>();
      server.onProgress((epoch, step, steps) -> {
        if (late.isEmpty() && step >= 1) {
          joinedAfter.set(server.globalStep());
          MpslClient c = plain("late", 2);
          late.add(new ScriptedClient(c, net.channel(), reply -> {
            if (reply.hasActivations() && atFirstStep.get() == null) {
              atFirstStep.set(FaultyCluster.maxDifference(FaultyCluster.parameters(server.globalTokenizers()),
                  FaultyCluster.parameters(c.model())));
            }
            return List.of(reply);
          }));
        }
      });
      server.train(e -> {});
      net.awaitClients();
    }
    assertThat(joinedAfter.get()).as("joined after the tokenizer had moved").isGreaterThanOrEqualTo(2);
    assertThat(atFirstStep.get()).as("late client's tokenizers vs the global ones at its first step").isNotNull()
        .isLessThanOrEqualTo(0.0);
  }

  /**
   * With the private shared tokenizer no party can hand a newcomer the tokenizer, so a client that connects after the
   * first padded sum is refused, naming why, and the others train on.
   */
  @Test
  @Timeout(60)
  void privateSharedTokenizer_refusesALateJoinerNamingWhy_othersTrainOn() throws Exception {
    ServerConfig cfg = new ServerConfig(3, 1, LR, 5, 0.1f, Duration.ofMillis(1000), Duration.ofSeconds(10), Map.of(),
        null, 8).withMinClients(2);
    List<MpslClient> late = new ArrayList<>();
    List<org.mpsl4j.engine.mpsl.EpochStats> epochs;
    try (MpslServer server = new MpslServer(cfg, HostileInputTest.MODEL, SEED).withTokenizerPolicy(PRIVATE_SHARED)
        .withPrivateAverage(); InProcessMpsl net = new InProcessMpsl(server)) {
      server.expectTrainSamples(Map.of("a", 12, "b", 12, "late", 12));
      net.connect(seeded("a", 0));
      net.connect(seeded("b", 1));
      server.onProgress((epoch, step, steps) -> {
        if (late.isEmpty() && step >= 1) {
          late.add(seeded("late", 2));
          new ScriptedClient(late.get(0), net.channel(), reply -> List.of(reply));
        }
      });
      epochs = server.train(e -> {});
      net.awaitClients();
    }
    assertThat(late).hasSize(1);
    assertThat(late.get(0).lastError()).contains("BAD_HELLO", "joined after", "no party can hand it over");
    assertThat(epochs).hasSize(1).allSatisfy(e -> assertThat(e.steps()).isPositive());
  }

  private static MpslClient seeded(String id, int i) {
    return plain(id, i).withPrivacy(new org.mpsl4j.engine.privacy.ClientPrivacy(
        org.mpsl4j.engine.privacy.PrivacySettings.NONE.withClientSeed(77L), 3)).requirePrivateAverage();
  }

  private static MpslClient plain(String id, int i) {
    return new MpslClient(new ClientConfig(id, "", 2, SEED, 100 + i), HostileInputTest.MODEL, DATA,
        IntStream.range(12 * i, 12 * i + 12).toArray(), LR);
  }

  private Outcome run(Path dir, long crashAfter) throws Exception {
    ServerConfig config = config(dir);
    try (FaultyCluster cluster = new FaultyCluster(config, HostileInputTest.MODEL, SEED, CLIENTS, i -> client(dir, i))
        .withServerSetup(s -> s.withTokenizerPolicy(SHARED))) {
      MpslServer first = cluster.startServer(null);
      if (crashAfter > 0) {
        first.onProgress((epoch, step, steps) -> {
          if (first.globalStep() == crashAfter) {
            throw new FaultyCluster.Crash();
          }
        });
      }
      for (int i = 0; i < CLIENTS; i++) {
        cluster.startClient(i);
      }
      List<EpochStats> epochs = new ArrayList<>();
      long resumedAfter = 0;
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
      }
      assertThat(cluster.awaitClients()).as("every client finished; log: " + cluster.log).isTrue();
      List<Map<String, float[]>> clients = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        clients.add(FaultyCluster.parameters(cluster.client(i).model()));
      }
      return new Outcome(FaultyCluster.parameters(last.model()), FaultyCluster.parameters(last.globalTokenizers()),
          last.optimizerSteps(), last.sharedTokenizerSteps(), clients, epochs, resumedAfter);
    }
  }
}
