package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mpsl4j.engine.grpc.ClientRunner;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.SharedClientBase;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.model.nn.RowDeltaTable;

/**
 * Clients whose text tables are rows over one shared initial model: they train their own rows, their
 * epoch-end upload by rows gives the server the average of their whole tables, and a client checkpoint
 * restores its rows and their Adam moments.
 */
class SharedBaseClientsTest {
  private static final long SEED = 7;
  private static final float LR = 1e-2f;
  private static final ModelConfig MODEL = ModelConfig.builder()
      .addTokenizer(TokenizerSpec.image("image", 1, 8, 8, 4))
      .addTokenizer(TokenizerSpec.text("text", 5, 2000))
      .setEncoder(EncoderConfig.small(16, 1, 4))
      .setHead(HeadConfig.classification(3))
      .build();
  private static final String WORDS = "text.word_embeddings.weight";

  @TempDir
  Path dir;

  @Test
  @Timeout(60)
  void globalTokenizersEqualTheAverageOfTheClientsWholeTables() throws Exception {
    RandomDataset data = new RandomDataset(24, 3, 11);
    ServerConfig config = new ServerConfig(2, 1, LR, 5, 0.1f, Duration.ofSeconds(30), Duration.ofSeconds(20), Map.of(),
        null, 8).withCheckpoints(dir.resolve("server"), 3);
    try (SharedClientBase shared = new SharedClientBase(MODEL, SEED);
        MpslServer server = new MpslServer(config, MODEL, SEED); InProcessMpsl net = new InProcessMpsl(server);
        NDManager scope = NDManager.newBaseManager()) {
      float[] baseBefore = shared.template().namedParameters().get(WORDS).array().toFloatArray();
      List<ClientRunner> runners = new ArrayList<>();
      runners.add(net.connect(new MpslClient(new ClientConfig("a", "", 4, SEED, 1), MODEL, data, range(0, 8), LR, shared)
          .withCheckpoints(dir.resolve("a"))));
      runners.add(net.connect(new MpslClient(new ClientConfig("b", "", 4, SEED, 2), MODEL, data, range(8, 24), LR,
          shared)));
      server.train(e -> {});
      net.awaitClients();

      RowDeltaTable a = runners.get(0).client().model().namedTables().get(WORDS);
      RowDeltaTable b = runners.get(1).client().model().namedTables().get(WORDS);
      assertThat(a.storedRows()).as("rows client a trained").isBetween(1, 8 * 5);
      NDArray expected = a.materialize(scope).mul(8f / 24).add(b.materialize(scope).mul(16f / 24));
      float[] want = expected.toFloatArray();
      assertThat(runners.get(0).client().lastError()).isNull();
      float[] got = server.globalTokenizers().namedParameters().get(WORDS).array().toFloatArray();
      for (int i = 0; i < want.length; i++) {
        assertThat(got[i]).as("%s[%d]", WORDS, i).isCloseTo(want[i], org.assertj.core.data.Offset.offset(1e-6f));
      }
      assertThat(shared.template().namedParameters().get(WORDS).array().toFloatArray()).as("the base is never written")
          .containsExactly(baseBefore);
      assertThat(server.bytesByClient().get("a")[0]).as("client a's bytes up").isLessThan(2000L * 16 * 4);

      // The client's last checkpoint holds its rows and their moments: a fresh client restores them.
      MpslClient original = runners.get(0).client();
      ClientConfig cc = new ClientConfig("a", "", 4, SEED, 1);
      List<String> skipped = new ArrayList<>();
      ClientCheckpoint c = ClientCheckpoint.newest(dir.resolve("a"), cc, MODEL, range(0, 8), server.runId(),
          Long.MAX_VALUE, skipped);
      assertThat(c).as("skipped: %s", skipped).isNotNull();
      try (MpslClient fresh = new MpslClient(cc, MODEL, data, range(0, 8), LR, shared)) {
        c.restore(fresh.model(), fresh.optimizer(), scope);
        RowDeltaTable.Delta want2 = a.delta(scope);
        RowDeltaTable.Delta back = fresh.model().namedTables().get(WORDS).delta(scope);
        assertThat(back.rows().toLongArray()).containsExactly(want2.rows().toLongArray());
        assertThat(back.values().toFloatArray()).containsExactly(want2.values().toFloatArray());
        assertThat(back.expAvgSq().toFloatArray()).containsExactly(want2.expAvgSq().toFloatArray());
        assertThat(fresh.optimizer().steps()).isEqualTo(original.optimizer().steps());
      }
    }
  }

  @Test
  @Timeout(60)
  void periodicSynchronization_clientsHoldingRowsTakeTheServersAverageOfTheirTables() throws Exception {
    RandomDataset data = new RandomDataset(24, 3, 11);
    ServerConfig config = new ServerConfig(2, 1, LR, 5, 0.1f, Duration.ofSeconds(30), Duration.ofSeconds(20), Map.of(),
        null, 8);
    try (SharedClientBase shared = new SharedClientBase(MODEL, SEED);
        MpslServer server = new MpslServer(config, MODEL, SEED).withTokenizerPolicy(TokenizerPolicy.parse("2", 1f));
        InProcessMpsl net = new InProcessMpsl(server); NDManager scope = NDManager.newBaseManager()) {
      List<ClientRunner> runners = new ArrayList<>();
      runners.add(net.connect(new MpslClient(new ClientConfig("a", "", 4, SEED, 1), MODEL, data, range(0, 8), LR,
          shared)));
      runners.add(net.connect(new MpslClient(new ClientConfig("b", "", 4, SEED, 2), MODEL, data, range(8, 24), LR,
          shared)));
      server.train(e -> {});
      net.awaitClients();

      // The epoch end synchronizes too: afterwards every client holds the server's average, word table included.
      float[] global = server.globalTokenizers().namedParameters().get(WORDS).array().toFloatArray();
      for (ClientRunner r : runners) {
        assertThat(r.client().lastError()).as("client %s refused an average", r.client().clientId()).isNull();
        float[] own = r.client().model().namedTables().get(WORDS).materialize(scope).toFloatArray();
        for (int i = 0; i < global.length; i++) {
          assertThat(own[i]).as("%s's %s[%d]", r.client().clientId(), WORDS, i).isCloseTo(global[i],
              org.assertj.core.data.Offset.offset(1e-6f));
        }
      }
    }
  }

  private static int[] range(int from, int to) {
    return IntStream.range(from, to).toArray();
  }
}
