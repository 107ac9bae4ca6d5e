package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client process crashes mid-epoch and is started again: the new process finds its own checkpoint
 * of the run the server names in its Welcome, loads its tokenizers and optimizer from it, and takes
 * part from the next step; the run completes. Its updates after the checkpoint and during its
 * absence are lost (counted), and none is applied twice.
 */
final class ClientCrashTest {
  private static final long SEED = 8;
  private static final float LR = 2e-3f;
  private static final RandomDataset DATA = new RandomDataset(36, 3, 4);

  @TempDir Path tmp;

  private MpslClient client(int i) {
    return new MpslClient(new ClientConfig("client-" + i, "", 2, SEED, 60 + i), HostileInputTest.MODEL, DATA,
        IntStream.range(12 * i, 12 * i + 12).toArray(), LR).withCheckpoints(tmp.resolve("client-" + i));
  }

  /**
   * 6 training steps and an epoch end per epoch (global steps 1-6, 7; 8-13, 14), checkpoints every 3
   * training steps. client-1 dies after step 4 (its checkpoint is of step 3) and is back after step 6:
   * it holds the updates of steps 1-3 and 8-13, nine in all, where the others hold twelve.
   */
  @Test
  @Timeout(60)
  void clientCrashAndRestart_resumesFromItsOwnCheckpoint() throws Exception {
    ServerConfig config = new ServerConfig(3, 2, LR, 5, 0.1f, Duration.ofSeconds(30), Duration.ofSeconds(20), Map.of(),
        null, 8).withCheckpoints(tmp.resolve("server"), 3);
    try (FaultyCluster cluster = new FaultyCluster(config, HostileInputTest.MODEL, SEED, 3, this::client)) {
      MpslServer server = cluster.startServer(null);
      MpslClient[] before = new MpslClient[1];
      server.onProgress((epoch, step, steps) -> {
        try {
          if (server.globalStep() == 4) {
            before[0] = cluster.client(1);
            cluster.crashClient(1);
          } else if (server.globalStep() == 6) {
            cluster.restartClient(1);
          }
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      for (int i = 0; i < 3; i++) {
        cluster.startClient(i);
      }
      List<EpochStats> epochs = server.train(e -> {});
      assertThat(cluster.awaitClients()).as("log: " + cluster.log).isTrue();

      MpslClient restarted = cluster.client(1);
      assertThat(restarted).isNotSameAs(before[0]);
      assertThat(before[0].optimizer().steps()).as("updates the crashed process had").isEqualTo(4);
      assertThat(restarted.notes()).singleElement().asString()
          .contains("resumed from " + tmp.resolve("client-1").resolve("client-000000000003.safetensors"), "last applied 3");
      assertThat(restarted.optimizer().steps()).as("steps 1-3 from the checkpoint, then 8-13").isEqualTo(9);
      assertThat(restarted.lastAppliedStep()).isEqualTo(13);
      assertThat(cluster.client(0).optimizer().steps()).isEqualTo(12);
      assertThat(cluster.client(2).optimizer().steps()).isEqualTo(12);
      assertThat(epochs.get(0).samples()).as("client-1 missed steps 5 and 6").isEqualTo(36 - 4);
      assertThat(epochs.get(1).samples()).isEqualTo(36);
      assertThat(server.optimizerSteps()).isEqualTo(12);
    }
  }
}
