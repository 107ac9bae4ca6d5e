package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mpsl4j.engine.grpc.ClientRunner;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.protocol.v1.ServerMessage;

/**
 * Periodic tokenizer synchronization over the real protocol: after every K-th step the server averages
 * the clients' tokenizers and every client continues from that average; the paper's MPSL never sends
 * tokenizers to clients; a learning-rate scale of 0 keeps them at their common initialization.
 */
final class TokenizerSyncTest {
  private static final long SEED = 11;
  private static final float LR = 1e-2f;
  private static final ModelConfig MODEL = RandomDataset.model();

  /** 3 clients of 12 samples, batch 4: 3 steps per epoch, 2 epochs. */
  private record Run(List<ServerMessage> sent, List<ClientModel> clients, ClientModel average) {}

  @Test
  @Timeout(120)
  void syncEveryStep_clientsEndWithTheServersAverage() throws Exception {
    run(new TokenizerPolicy(1, 1f), r -> {
      // Mid-epoch after steps 1 and 2 of 3; the epoch end sends the average back too: per epoch 2 asks and 3 sends.
      assertThat(count(r.sent(), ServerMessage.BodyCase.TOKENIZER_SYNC)).isEqualTo(2 * 2 * 3);
      assertThat(count(r.sent(), ServerMessage.BodyCase.GLOBAL_TOKENIZERS)).isEqualTo(2 * 3 * 3);
      for (ClientModel c : r.clients()) {
        assertSameValues(c, r.average(), true);
      }
    });
  }

  /**
   * FedSGD on the tokenizers: every step asks each client for its gradients and sends the one tokenizer
   * back, so every client ends with the server's tokenizers, and these have learned (moved away from the
   * common initialization).
   */
  @Test
  @Timeout(120)
  void sharedGradients_everyClientHoldsTheServersTokenizer_whichLearned() throws Exception {
    try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
      ClientModel initial = new ClientModel(m, MODEL, new java.util.Random(SEED));
      run(TokenizerPolicy.sharedGradients(1f), r -> {
        // 3 steps per epoch, all 3 clients count in each: 3 asks for gradients per step; sends after every step and
        // once to each client before its first step (this model's text tables go by rows: clients that hold the
        // global tokenizers get no epoch-end send, SharedTokenizerStep.sendAtEpochEnd).
        assertThat(r.sent().stream().filter(x -> x.hasTokenizerSync() && x.getTokenizerSync().getGradients()).count())
            .isEqualTo(2 * 3 * 3);
        assertThat(count(r.sent(), ServerMessage.BodyCase.GLOBAL_TOKENIZERS)).isEqualTo(2 * 3 * 3 + 3);
        assertThat(r.sent().stream().filter(ServerMessage::hasWelcome).allMatch(x -> x.getWelcome().getSharedTokenizer()))
            .isTrue();
        for (ClientModel c : r.clients()) {
          assertSameValues(c, r.average(), true);
        }
        assertSameValues(r.average(), initial, false);
      });
    }
  }

  /**
   * With {@code --shared-tables frozen} and a word table large enough to travel by rows (1,100 words), shared
   * gradients leave the text tables at their common initialization on every client and the server, and train the
   * rest as above; the text tables are never sent (neither after a step nor at an epoch end), everything else is, and
   * every client applies what it gets.
   */
  @Test
  @Timeout(120)
  void sharedGradients_tablesFrozen_largeWordTableStaysAtItsInitialization() throws Exception {
    ModelConfig model = textModel();
    try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
      float[] words = new ClientModel(m, model, new java.util.Random(SEED)).namedParameters()
          .get("text.word_embeddings.weight").array().toFloatArray();
      ClientModel initial = new ClientModel(m, model, new java.util.Random(SEED));
      run(model, new RandomDataset(36, 3, 5, 1100), TokenizerPolicy.sharedGradients(1f).withSharedTables(false), r -> {
        java.util.Set<String> small = new java.util.HashSet<>(initial.namedParameters().keySet());
        small.removeAll(TEXT_TABLES); // the text tables stay at their shared initial values
        assertThat(SharedTokenizerStep.trainedNames(initial)).containsExactlyInAnyOrderElementsOf(small);
        List<ServerMessage> sends = r.sent().stream().filter(ServerMessage::hasGlobalTokenizers).toList();
        assertThat(sends).hasSize(2 * 4 * 3 + 3); // + once to each client before its first step
        for (ServerMessage x : sends) {
          assertThat(x.getGlobalTokenizers().getParametersList().stream().map(t -> t.getName()))
              .containsExactlyInAnyOrderElementsOf(small);
        }
        for (ClientModel c : r.clients()) {
          assertSameValues(c, r.average(), true);
          assertThat(c.namedParameters().get("text.word_embeddings.weight").array().toFloatArray()).isEqualTo(words);
        }
        assertSameValues(r.average(), initial, false);
      });
    }
  }

  /**
   * With the tables trained by rows (the default of {@code --tokenizer-sync gradients}): each gradient upload sends
   * every text table by rows, each step's send holds the rows that step changed (fewer than the table), and every
   * client ends with exactly the server's tokenizers, word table included, which learned. These clients hold the
   * table as one dense parameter (a deployed client): their uploads are its non-zero rows.
   */
  @Test
  @Timeout(120)
  void sharedGradients_tablesByRows_everyClientHoldsTheServersWordTable_whichLearned() throws Exception {
    ModelConfig model = textModel();
    try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
      ClientModel initial = new ClientModel(m, model, new java.util.Random(SEED));
      float[] words = initial.namedParameters().get("text.word_embeddings.weight").array().toFloatArray();
      run(model, new RandomDataset(36, 3, 5, 1100), TokenizerPolicy.sharedGradients(1f), r -> {
        assertThat(SharedTokenizerStep.tableNames(initial)).containsExactlyInAnyOrderElementsOf(TEXT_TABLES);
        assertThat(r.sent().stream().filter(ServerMessage::hasWelcome).allMatch(x -> x.getWelcome().getSharedTables()))
            .isTrue();
        List<ServerMessage> sends = r.sent().stream().filter(ServerMessage::hasGlobalTokenizers).toList();
        // after every step to all 3, and once to each before its first step; no epoch-end send to clients that hold it
        assertThat(sends).hasSize(2 * 3 * 3 + 3);
        long wordRowsSent = sends.stream().flatMap(x -> x.getGlobalTokenizers().getParametersList().stream())
            .filter(t -> t.getName().equals("text.word_embeddings.weight"))
            .peek(t -> assertThat(t.hasRows()).as("the word table goes by rows").isTrue())
            .mapToLong(t -> t.getRows().getShape(0)).max().orElse(0);
        assertThat(wordRowsSent).as("most rows a send held").isGreaterThan(0).isLessThan(1100 / 2);
        for (ClientModel c : r.clients()) {
          assertSameValues(c, r.average(), true);
        }
        assertThat(r.average().namedParameters().get("text.word_embeddings.weight").array().toFloatArray())
            .as("the word table learned").isNotEqualTo(words);
      });
    }
  }

  private static final List<String> TEXT_TABLES = List.of("text.word_embeddings.weight",
      "text.position_embeddings.weight", "text.token_type_embeddings.weight");

  private static ModelConfig textModel() {
    return ModelConfig.builder()
        .addTokenizer(TokenizerSpec.image("image", 1, 8, 8, 4))
        .addTokenizer(TokenizerSpec.text("text", 5, 1100))
        .setEncoder(EncoderConfig.small(16, 1, 4))
        .setHead(HeadConfig.classification(3))
        .build();
  }

  @Test
  @Timeout(120)
  void syncAtEpochEnds_onlyTheEpochEndSendsBack() throws Exception {
    run(new TokenizerPolicy(TokenizerPolicy.EPOCH, 1f), r -> {
      assertThat(count(r.sent(), ServerMessage.BodyCase.TOKENIZER_SYNC)).isZero();
      assertThat(count(r.sent(), ServerMessage.BodyCase.GLOBAL_TOKENIZERS)).isEqualTo(2 * 3);
      for (ClientModel c : r.clients()) {
        assertSameValues(c, r.average(), true);
      }
    });
  }

  @Test
  @Timeout(120)
  void paper_neverSendsTokenizers_clientsDriftApart() throws Exception {
    run(TokenizerPolicy.PAPER, r -> {
      assertThat(count(r.sent(), ServerMessage.BodyCase.TOKENIZER_SYNC)).isZero();
      assertThat(count(r.sent(), ServerMessage.BodyCase.GLOBAL_TOKENIZERS)).isZero();
      for (ClientModel c : r.clients()) {
        assertSameValues(c, r.average(), false);
      }
    });
  }

  @Test
  @Timeout(120)
  void learningRateScaleZero_tokenizersStayAtTheirCommonInitialization() throws Exception {
    try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
      ClientModel initial = new ClientModel(m, MODEL, new java.util.Random(SEED));
      run(new TokenizerPolicy(0, 0f), r -> {
        for (ClientModel c : r.clients()) {
          assertSameValues(c, initial, true);
        }
      });
    }
  }

  private static void run(TokenizerPolicy policy, java.util.function.Consumer<Run> check) throws Exception {
    run(MODEL, new RandomDataset(36, 3, 5), policy, check);
  }

  private static void run(ModelConfig model, RandomDataset data, TokenizerPolicy policy,
      java.util.function.Consumer<Run> check) throws Exception {
    ServerConfig config = new ServerConfig(3, 2, LR, 5, 0.1f, Duration.ofSeconds(30), Duration.ofSeconds(30), Map.of(),
        null, 4);
    try (MpslServer server = new MpslServer(config, model, SEED).withTokenizerPolicy(policy);
        InProcessMpsl net = new InProcessMpsl(server)) {
      List<ClientRunner> runners = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        runners.add(net.connect(new MpslClient(new ClientConfig("c" + i, "", 4, SEED, 100 + i), model, data,
            java.util.stream.IntStream.range(12 * i, 12 * i + 12).toArray(), LR)));
      }
      server.train(s -> {});
      net.awaitClients();
      for (ClientRunner r : runners) {
        assertThat(r.client().lastError()).isNull();
      }
      check.accept(new Run(List.copyOf(net.sent), runners.stream().map(r -> r.client().model()).toList(),
          server.globalTokenizers()));
      for (ClientRunner r : runners) {
        r.client().close();
      }
    }
  }

  private static long count(List<ServerMessage> sent, ServerMessage.BodyCase kind) {
    return sent.stream().filter(m -> m.getBodyCase() == kind).count();
  }

  /** Whether every parameter of {@code a} equals {@code b}'s exactly (or, with {@code same} false, some differs). */
  private static void assertSameValues(ClientModel a, ClientModel b, boolean same) {
    Map<String, Parameter> other = b.namedParameters();
    Map<String, Boolean> equal = new HashMap<>();
    for (Map.Entry<String, Parameter> e : a.namedParameters().entrySet()) {
      NDArray x = e.getValue().array();
      equal.put(e.getKey(), java.util.Arrays.equals(x.toFloatArray(), other.get(e.getKey()).array().toFloatArray()));
    }
    if (same) {
      assertThat(equal).as("parameters equal to the reference").doesNotContainValue(false);
    } else {
      assertThat(equal).as("parameters equal to the reference").containsValue(false);
    }
  }
}
