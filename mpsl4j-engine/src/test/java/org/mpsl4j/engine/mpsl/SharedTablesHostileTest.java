package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mpsl4j.engine.grpc.ClientRunner;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.DType;
import org.mpsl4j.protocol.v1.NamedTensor;
import org.mpsl4j.protocol.v1.Tensor;

/**
 * With the text tables trained by rows under one shared tokenizer ({@code --shared-tables rows}), a client's gradient
 * upload names word-table rows. A hostile upload (the table whole, rows out of range, a row twice, rows and values of
 * different counts, a NaN) is rejected with a reason naming the table, is left out of that step's tokenizer update,
 * and the run completes: the honest client sees no error and every client still ends holding the server's tokenizer.
 */
final class SharedTablesHostileTest {
  private static final long SEED = 3;
  private static final float LR = 1e-3f;
  private static final String WORDS = "text.word_embeddings.weight";

  private record Mutation(String name, UnaryOperator<NamedTensor> edit, String fragment) {}

  private static List<Mutation> mutations() {
    return List.of(
        new Mutation("whole table", t -> t.toBuilder().clearRows()
            .setTensor(Mutants.reshaped(t.getTensor(), DType.FLOAT32, 30, 16)).build(), "must come by rows"),
        new Mutation("row out of range", t -> t.toBuilder().setRows(rows(30)).setTensor(Mutants.reshaped(t.getTensor(),
            DType.FLOAT32, 1, 16)).build(), "strictly increasing within [0, 30)"),
        new Mutation("row twice", t -> t.toBuilder().setRows(rows(2, 2)).setTensor(Mutants.reshaped(t.getTensor(),
            DType.FLOAT32, 2, 16)).build(), "strictly increasing"),
        new Mutation("values for other rows", t -> t.toBuilder().setRows(rows(1, 2, 3)).setTensor(
            Mutants.reshaped(t.getTensor(), DType.FLOAT32, 2, 16)).build(), "for its 3 rows"),
        new Mutation("NaN", t -> t.toBuilder().setTensor(Mutants.withValue(t.getTensor(), 0, Float.NaN)).build(),
            "NaN or infinite"));
  }

  @Test
  @Timeout(180) // 54 s measured at a load average of 9.6 on 2 cores
  void hostileRowGradient_isRejectedNamingTheTable_andEveryClientStillHoldsTheServersTokenizer() throws Exception {
    RandomDataset data = new RandomDataset(36, 3, 9);
    Deque<Mutation> queue = new ArrayDeque<>(mutations());
    Map<Mutation, Long> sentAt = new LinkedHashMap<>();
    ServerConfig config = new ServerConfig(2, 1, LR, 5, 0.1f, Duration.ofSeconds(20), Duration.ofSeconds(10), Map.of(),
        null, 8);
    try (MpslServer server = new MpslServer(config, HostileInputTest.MODEL, SEED)
            .withTokenizerPolicy(TokenizerPolicy.sharedGradients(1));
        InProcessMpsl net = new InProcessMpsl(server);
        MpslClient honestClient = new MpslClient(new ClientConfig("honest", "", 2, SEED, 1), HostileInputTest.MODEL,
            data, IntStream.range(0, 16).toArray(), LR);
        MpslClient hostileClient = new MpslClient(new ClientConfig("hostile", "", 1, SEED, 2), HostileInputTest.MODEL,
            data, IntStream.range(16, 36).toArray(), LR)) {
      ClientRunner honest = net.connect(honestClient);
      ScriptedClient hostile = new ScriptedClient(hostileClient, net.channel(), reply -> {
        if (!reply.hasTokenizerWeights() || queue.isEmpty()) {
          return List.of(reply);
        }
        Mutation mu = queue.poll();
        sentAt.put(mu, reply.getStep());
        return List.of(edit(reply, mu.edit()));
      });
      server.train(s -> {});
      net.awaitClients();

      assertThat(queue).as("mutations not yet sent").isEmpty();
      assertThat(honest.client().lastError()).as("the honest client saw no error").isNull();
      assertThat(hostileClient.done()).as("the hostile client is served to the end").isTrue();
      for (Map.Entry<Mutation, Long> e : sentAt.entrySet()) {
        assertThat(hostile.errorsAt(e.getValue())).as(e.getKey().name() + " at step " + e.getValue())
            .anySatisfy(err -> assertThat(err).startsWith("MALFORMED_TENSOR:").contains(WORDS)
                .contains(e.getKey().fragment()));
      }
      float[] global = server.globalTokenizers().namedParameters().get(WORDS).array().toFloatArray();
      assertThat(global).doesNotContain(Float.NaN);
      for (MpslClient c : List.of(honestClient, hostileClient)) {
        try (ai.djl.ndarray.NDManager scope = ai.djl.ndarray.NDManager.newBaseManager()) {
          assertThat(c.model().namedParameters().get(WORDS).array().toFloatArray()).as(c + "'s word table")
              .containsExactly(global);
        }
      }
    }
  }

  /** The upload with its word-table entry edited. */
  private static ClientMessage edit(ClientMessage reply, UnaryOperator<NamedTensor> edit) {
    org.mpsl4j.protocol.v1.TokenizerWeights.Builder w = reply.getTokenizerWeights().toBuilder();
    for (int i = 0; i < w.getParametersCount(); i++) {
      if (w.getParameters(i).getName().equals(WORDS)) {
        w.setParameters(i, edit.apply(w.getParameters(i)));
      }
    }
    return reply.toBuilder().setTokenizerWeights(w).build();
  }

  private static Tensor rows(long... rows) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 * rows.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (long r : rows) {
      b.putLong(r);
    }
    return Tensor.newBuilder().setDtype(DType.INT64).addShape(rows.length).setCodec(org.mpsl4j.protocol.v1.Codec.RAW)
        .setData(com.google.protobuf.ByteString.copyFrom(b.array())).build();
  }
}
