package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mpsl4j.engine.grpc.ClientRunner;
import org.mpsl4j.model.ModelConfig;

/**
 * A client that joins after training started ({@code --min-clients}) with a larger share than those
 * connected at the start: its epoch must not be cut to theirs. Epoch length is a property of the
 * server's loop, so this runs the server over in-process gRPC.
 */
final class LateJoinerTest {
  private static final long SEED = 11;
  private static final float LR = 1e-3f;
  private static final ModelConfig MODEL = RandomDataset.model();
  private static final ServerConfig CONFIG = new ServerConfig(3, 2, LR, 5, 0.1f, Duration.ofMillis(1000),
      Duration.ofSeconds(10), Map.of(), null, 8).withMinClients(2);

  /** a and b need 2 steps of 4; the late client 5: with the partition known, every epoch has 5 steps. */
  @Test
  @Timeout(120)
  void lateJoinerWithALargerShare_reachesTheEndOfItsDataEveryEpoch() throws Exception {
    RandomDataset data = new RandomDataset(36, 3, 5);
    List<EpochStats> epochs = new ArrayList<>();
    AtomicReference<ClientRunner> late = new AtomicReference<>();
    try (MpslServer server = new MpslServer(CONFIG, MODEL, SEED); InProcessMpsl net = new InProcessMpsl(server)) {
      server.expectTrainSamples(Map.of("a", 8, "b", 8, "late", 20));
      net.connect(new MpslClient(new ClientConfig("a", "", 4, SEED, 1), MODEL, data, range(0, 8), LR));
      net.connect(new MpslClient(new ClientConfig("b", "", 4, SEED, 2), MODEL, data, range(8, 16), LR));
      server.onProgress((epoch, step, steps) -> {
        if (late.get() == null) {
          late.set(net.connect(new MpslClient(new ClientConfig("late", "", 4, SEED, 3), MODEL, data, range(16, 36), LR)));
        }
      });
      server.train(epochs::add);
      net.awaitClients();
      assertThat(epochs.get(1).steps()).isEqualTo(5);
      assertThat(epochs.get(1).samples()).as("epoch 2: a, b and all 20 of the late client's samples").isEqualTo(36);
      assertThat(late.get().client().done()).isTrue();
    }
  }

  /** Without the partition the server cannot size epochs for clients it has not seen: it refuses, saying why. */
  @Test
  @Timeout(120)
  void lateJoinerThatWouldNotFit_isRefusedWithTheReason() throws Exception {
    RandomDataset data = new RandomDataset(36, 3, 5);
    AtomicReference<ClientRunner> late = new AtomicReference<>();
    try (MpslServer server = new MpslServer(CONFIG, MODEL, SEED); InProcessMpsl net = new InProcessMpsl(server)) {
      net.connect(new MpslClient(new ClientConfig("a", "", 4, SEED, 1), MODEL, data, range(0, 8), LR));
      net.connect(new MpslClient(new ClientConfig("b", "", 4, SEED, 2), MODEL, data, range(8, 16), LR));
      server.onProgress((epoch, step, steps) -> {
        if (late.get() == null) {
          late.set(net.connect(new MpslClient(new ClientConfig("late", "", 4, SEED, 3), MODEL, data, range(16, 36), LR)));
        }
      });
      List<EpochStats> epochs = server.train(e -> {});
      assertThat(epochs.get(1).samples()).isEqualTo(16);
      assertThat(late.get().client().lastError()).contains("needs 5 steps per epoch").contains("have 2");
    }
  }

  private static int[] range(int from, int to) {
    return java.util.stream.IntStream.range(from, to).toArray();
  }
}
