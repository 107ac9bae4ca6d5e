package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mpsl4j.engine.grpc.ClientRunner;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.protocol.MalformedTensorException;
import org.mpsl4j.protocol.v1.NamedTensor;

/**
 * Word-embedding tables travel by changed rows at the epoch-end FedAvg, and the global tokenizers
 * come out exactly as if every client had sent its whole table.
 */
class SparseRowsTest {
  private static final long SEED = 7;
  private static final float LR = 1e-2f;
  /** A vocabulary of 2,000 of which the data uses 30 ids: most rows never change. */
  private static final ModelConfig MODEL = ModelConfig.builder()
      .addTokenizer(TokenizerSpec.image("image", 1, 8, 8, 4))
      .addTokenizer(TokenizerSpec.text("text", 5, 2000))
      .setEncoder(EncoderConfig.small(16, 1, 4))
      .setHead(HeadConfig.classification(3))
      .build();

  @Test
  @Timeout(60)
  void globalTokenizersEqualTheAverageOfWholeTables_forAFractionOfTheBytes() throws Exception {
    RandomDataset data = new RandomDataset(24, 3, 11);
    ServerConfig config = new ServerConfig(2, 1, LR, 5, 0.1f, Duration.ofSeconds(30), Duration.ofSeconds(20), Map.of(),
        null, 8);
    try (MpslServer server = new MpslServer(config, MODEL, SEED); InProcessMpsl net = new InProcessMpsl(server)) {
      List<ClientRunner> runners = new ArrayList<>();
      runners.add(net.connect(new MpslClient(new ClientConfig("a", "", 4, SEED, 1), MODEL, data, range(0, 8), LR)));
      runners.add(net.connect(new MpslClient(new ClientConfig("b", "", 4, SEED, 2), MODEL, data, range(8, 24), LR)));
      server.train(e -> {});
      net.awaitClients();

      // What a full upload would average to: Σ nᵢ θᵢ / Σ nᵢ, from the clients' own final tables.
      Map<String, Parameter> a = runners.get(0).client().model().namedParameters();
      Map<String, Parameter> b = runners.get(1).client().model().namedParameters();
      int tables = 0;
      for (Map.Entry<String, Parameter> e : server.globalTokenizers().namedParameters().entrySet()) {
        float[] expected = a.get(e.getKey()).array().mul(8f / 24).add(b.get(e.getKey()).array().mul(16f / 24))
            .toFloatArray();
        float[] actual = e.getValue().array().toFloatArray();
        for (int i = 0; i < expected.length; i++) {
          assertThat(actual[i]).as("%s[%d]", e.getKey(), i).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-6f));
        }
        tables += SparseRows.eligible(e.getValue().shape()) ? 1 : 0;
      }
      assertThat(tables).as("the model has a table sent by rows").isEqualTo(1);
      // The upload of the 2000 x 16 table (125 KiB whole) is a few rows.
      long up = server.bytesByClient().get("a")[0];
      assertThat(up).as("client a's training bytes up").isLessThan(2000L * 16 * 4);
    }
  }

  @Test
  void encode_sendsOnlyChangedRows_orTheWholeTableWhenMostChanged() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray initial = m.randomNormal(new Shape(2048, 4));
      NDArray current = initial.duplicate();
      current.set(new ai.djl.ndarray.index.NDIndex("5"), m.ones(new Shape(4)));
      current.set(new ai.djl.ndarray.index.NDIndex("700"), m.zeros(new Shape(4)));
      NamedTensor few = SparseRows.encode("t", current, initial);
      assertThat(few.hasRows()).isTrue();
      assertThat(few.getRows().getShapeList()).containsExactly(2L);
      assertThat(few.getTensor().getShapeList()).containsExactly(2L, 4L);

      NamedTensor all = SparseRows.encode("t", current.add(1f), initial);
      assertThat(all.hasRows()).isFalse();
      assertThat(all.getTensor().getShapeList()).containsExactly(2048L, 4L);
    }
  }

  /**
   * Finding the changed rows leaves nothing in the table's own manager, which in a run is long-lived (a client's
   * parameters, an optimizer's moments): each call once left a float copy of the whole table there (issue 18).
   */
  @Test
  void rowSearches_leaveNoArrayInTheTablesManager() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray initial = m.randomNormal(new Shape(2048, 4));
      NDArray current = initial.duplicate();
      current.set(new ai.djl.ndarray.index.NDIndex("5"), m.ones(new Shape(4)));
      int held = m.getManagedArrays().size();
      assertThat(SparseRows.encode("t", current, initial).getRows().getShapeList()).containsExactly(1L);
      try (NDManager scope = m.newSubManager()) {
        NDArray change = current.sub(initial);
        change.attach(scope);
        assertThat(SparseRows.nonZeroRowIndices(change, scope).toLongArray()).containsExactly(5L);
      }
      assertThat(m.getManagedArrays()).hasSize(held);
    }
  }

  @Test
  void checkRows_refusesUnsortedRepeatedOutOfRangeOrWrongTypeIndices() {
    try (NDManager m = NDManager.newBaseManager()) {
      SparseRows.checkRows(m.create(new long[] {0, 3, 1023}), 1024, "ok");
      for (long[] bad : new long[][] {{3, 1}, {2, 2}, {-1, 4}, {0, 1024}}) {
        assertThatThrownBy(() -> SparseRows.checkRows(m.create(bad), 1024, "rows"))
            .isInstanceOf(MalformedTensorException.class).hasMessageContaining("strictly increasing within [0, 1024)");
      }
      assertThatThrownBy(() -> SparseRows.checkRows(m.create(new float[] {1f}), 1024, "rows"))
          .isInstanceOf(MalformedTensorException.class).hasMessageContaining("INT64");
    }
  }

  private static int[] range(int from, int to) {
    return java.util.stream.IntStream.range(from, to).toArray();
  }
}
