package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mpsl4j.model.ModelConfig;

/**
 * Spread batches over the real protocol: clients of very different sizes (52, 14 and 14 samples, B = 6) learn that
 * batches are spread, and T = ⌈80/6⌉ = 14, from the Welcome alone and each is in every step of every epoch, where with fixed batches of 2 the small
 * clients finish after 7 of 26 steps and the rest of the epoch holds the large client alone.
 */
final class SpreadBatchesRunTest {
  private static final long SEED = 5;
  private static final float LR = 1e-3f;
  private static final ModelConfig MODEL = RandomDataset.model();
  private static final int SERVER_BATCH = 6;
  private static final ServerConfig CONFIG = new ServerConfig(3, 2, LR, 5, 0.1f, Duration.ofSeconds(10),
      Duration.ofSeconds(20), Map.of(), null, SERVER_BATCH);

  @Test
  @Timeout(120)
  void spread_everyClientIsInEveryStep() throws Exception {
    List<ServerObserver.StepReport> steps = run(true);
    assertThat(steps).hasSize(2 * 14);
    for (ServerObserver.StepReport s : steps) {
      assertThat(s.stepsPerEpoch()).isEqualTo(14);
      assertThat(s.contributed()).as("epoch %d step %d", s.epoch(), s.stepInEpoch()).containsExactly("big", "small-1",
          "small-2");
      assertThat(s.samples()).as("about B = 6: 3 or 4 of the big client's, 1 of each small one's").isBetween(5L, 6L);
    }
    for (int epoch = 0; epoch < 2; epoch++) {
      int e = epoch;
      assertThat(steps.stream().filter(s -> s.epoch() == e).mapToLong(ServerObserver.StepReport::samples).sum())
          .as("every sample once per epoch").isEqualTo(80);
    }
  }

  /**
   * Devices on their own data ({@code client --own-data}) against a server that knows no partition: each declares the
   * most a slice can be, min(nᵢ, N·b) = 6, the server sizes T = ⌈80/6⌉ = 14 from the sizes the connected clients
   * declared, and each client slices its data over the Welcome's T, so every client is in every step.
   */
  @Test
  @Timeout(120)
  void ownDataClients_withoutAPartition_spreadOverTheServersEpoch() throws Exception {
    org.mpsl4j.engine.sim.SimulationConfig config = new org.mpsl4j.engine.sim.SimulationConfig(MODEL, 3, 2, 2, LR, 5,
        0.5, 1, SEED, Duration.ofSeconds(20), 1).withBatches(org.mpsl4j.engine.sim.ClientBatches.SPREAD);
    List<ServerObserver.StepReport> steps = new CopyOnWriteArrayList<>();
    try (MpslServer server = new MpslServer(CONFIG, MODEL, SEED); InProcessMpsl net = new InProcessMpsl(server)) {
      server.spreadBatches(SERVER_BATCH);
      server.observe(new ServerObserver() {
        @Override
        public void stepDone(StepReport step) {
          steps.add(step);
        }
      });
      int[] sizes = {52, 14, 14};
      for (int i = 0; i < sizes.length; i++) {
        org.mpsl4j.data.DatasetSplit own = new org.mpsl4j.data.DatasetSplit(new RandomDataset(sizes[i], 3, 20 + i),
            new RandomDataset(4, 3, 30 + i));
        MpslClient c = org.mpsl4j.engine.sim.MpslSetup.ownDataClient(config, own, i, "");
        assertThat(c.hello().getHello().getBatchSize()).as("min(n_i, N*b)").isEqualTo(6);
        net.connect(c);
      }
      server.train(e -> {});
      net.awaitClients();
    }
    assertThat(steps).hasSize(2 * 14);
    for (ServerObserver.StepReport s : steps) {
      assertThat(s.contributed()).as("epoch %d step %d", s.epoch(), s.stepInEpoch()).containsExactly("client-0",
          "client-1", "client-2");
    }
    for (int epoch = 0; epoch < 2; epoch++) {
      int e = epoch;
      assertThat(steps.stream().filter(s -> s.epoch() == e).mapToLong(ServerObserver.StepReport::samples).sum())
          .as("every sample once per epoch").isEqualTo(80);
    }
  }

  /** The same clients with fixed batches of 2: the tail of each epoch holds only the big client. */
  @Test
  @Timeout(120)
  void fixedBatches_leaveTheTailToTheBigClient() throws Exception {
    List<ServerObserver.StepReport> steps = run(false);
    assertThat(steps).hasSize(2 * 26);
    assertThat(steps.stream().filter(s -> s.contributed().equals(List.of("big"))).count()).isEqualTo(2 * 19);
  }

  private static List<ServerObserver.StepReport> run(boolean spread) throws Exception {
    RandomDataset data = new RandomDataset(80, 3, 9);
    List<ServerObserver.StepReport> steps = new CopyOnWriteArrayList<>();
    try (MpslServer server = new MpslServer(CONFIG, MODEL, SEED); InProcessMpsl net = new InProcessMpsl(server)) {
      server.expectTrainSamples(Map.of("big", 52, "small-1", 14, "small-2", 14));
      if (spread) {
        server.spreadBatches(SERVER_BATCH);
      }
      server.observe(new ServerObserver() {
        @Override
        public void stepDone(StepReport step) {
          steps.add(step);
        }
      });
      net.connect(client("big", spread ? 4 : 2, 0, 52, data));
      net.connect(client("small-1", spread ? 1 : 2, 52, 66, data));
      net.connect(client("small-2", spread ? 1 : 2, 66, 80, data));
      server.train(e -> {});
      net.awaitClients();
    }
    return steps;
  }

  /** A client is told nothing about spread batches: the server's Welcome alone decides. */
  private static MpslClient client(String id, int batch, int from, int to, RandomDataset data) {
    return new MpslClient(new ClientConfig(id, "", batch, SEED, from + 1), MODEL, data,
        java.util.stream.IntStream.range(from, to).toArray(), LR);
  }
}
