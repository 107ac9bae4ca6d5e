package org.mpsl4j.engine.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.mpsl4j.core.step.ServerSideLoss;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.engine.centralized.CentralizedTrainer;
import org.mpsl4j.engine.mpsl.MpslServer;
import org.mpsl4j.engine.mpsl.RandomDataset;
import org.mpsl4j.engine.mpsl.TokenizerPolicy;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.Fusion;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.Module;
import org.mpsl4j.model.Pooling;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.model.train.StepLr;

/**
 * Issue #20: MPSL with the retrieval loss on the server over the whole concatenated batch, one tokenizer
 * shared by FedSGD ({@code --tokenizer-sync gradients}) and proportional batches takes the same step as
 * centralized training of the same model on the same batch. Two clients whose proportional batches are their
 * whole shares, so one MPSL epoch is one step over all training pairs; centralized takes one step on all of
 * them. After it the server's model and the global tokenizers equal centralized's parameters; so do they after two
 * epochs of two steps each, centralized fed the batches MPSL's step joins (measured: 3.0e-6 apart at lr 1e-3).
 *
 * <p>The text embedding tables (word, position, token type) are trained by rows by default ({@code --shared-tables
 * rows}): the clients here hold them as rows over a shared base, send the gradient of the rows their batches used,
 * and the server steps those rows only (lazy Adam). After one step from zero moments that is Adam's step exactly, so
 * centralized with every table trained matches it. Over several steps lazy and dense Adam differ for a row used in an
 * early step and not in a later one (dense Adam's momentum still moves it), so the multi-step comparison runs with
 * {@code --shared-tables frozen}, against centralized with those tables frozen. Before this test the simulated clients refused every global tokenizer the server sent (their tables are row
 * tables, not parameters), and the epoch-end average put the initial tokenizers back: the shared tokenizer
 * trained nothing for image + text.
 */
final class SharedTokenizerRetrievalStepTest {
  private static final long SEED = 5;
  private static final int PAIRS = 16;
  private static final float LR = 1e-3f;
  /**
   * Adam's first step moves every entry by about lr·sign(g): float32 round-off in g (the server sums the
   * batch in another order) changes an entry only where g is itself near round-off. Far below lr, the size of
   * a step, so a misplaced gradient or a skipped parameter shows.
   */
  private static final double TOLERANCE = 0.05 * LR;
  /** The text tokenizer's embedding tables, which the shared tokenizer leaves at their initial values. */
  private static final java.util.List<String> TEXT_TABLES = java.util.List.of("client.text.word_embeddings.weight",
      "client.text.position_embeddings.weight", "client.text.token_type_embeddings.weight");

  @Test
  void oneStep_serverSideLoss_sharedTokenizerAndTables_equalsCentralized() throws Exception {
    Map<String, float[]> mpsl = mpsl(model(), PAIRS / 2, 1, ROWS);
    Map<String, float[]> central = centralizedOneStep(model(), false);
    Map<String, float[]> initial = initial(model());
    assertThat(mpsl.keySet()).containsExactlyInAnyOrderElementsOf(central.keySet());
    assertThat(maxDifference(mpsl, central)).isLessThanOrEqualTo(TOLERANCE);
    for (String table : TEXT_TABLES) {
      assertThat(maxDifference(Map.of(table, mpsl.get(table)), initial)).as("%s was trained", table)
          .isGreaterThan(0.5 * LR);
    }
  }

  @Test
  void oneStep_serverSideLoss_sharedTokenizer_tablesFrozen_equalsCentralizedWithTextTablesFrozen() throws Exception {
    Map<String, float[]> mpsl = mpslOneStep(model());
    Map<String, float[]> central = centralizedOneStep(model(), true);
    Map<String, float[]> initial = initial(model());
    assertThat(mpsl.keySet()).containsExactlyInAnyOrderElementsOf(central.keySet());
    assertThat(maxDifference(mpsl, central)).isLessThanOrEqualTo(TOLERANCE);
    Map<String, float[]> tokenizer = new LinkedHashMap<>(mpsl);
    tokenizer.keySet().retainAll(java.util.Set.of("client.image.proj.weight", "client.text.norm.weight"));
    assertThat(maxDifference(tokenizer, initial)).as("the shared tokenizer was trained").isGreaterThan(0.5 * LR);
  }

  @Test
  void twoEpochsOfTwoSteps_tablesFrozen_equalCentralizedOnTheSameBatches() throws Exception {
    // Catches what one step cannot: the tokenizer each client holds at the next step, Adam's step count, the epoch end.
    Map<String, float[]> mpsl = mpsl(model(), 4, 2, FROZEN);
    Map<String, float[]> central = centralized(model(), true, mpslBatches(model(), 4, 2));
    assertThat(maxDifference(mpsl, central)).isLessThanOrEqualTo(TOLERANCE);
  }

  @Test
  void twoEpochsOfTwoSteps_denseAdamTables_equalCentralizedWithEveryTableTrained() throws Exception {
    // With --shared-tables dense-adam the server steps whole tables, as centralized's dense Adam does, so a word row
    // used in one step and not the next keeps moving by its momentum on both sides.
    Map<String, float[]> mpsl = mpsl(model(), 4, 2, ROWS.withSharedTables(TokenizerPolicy.SharedTables.DENSE_ADAM));
    Map<String, float[]> central = centralized(model(), false, mpslBatches(model(), 4, 2));
    assertThat(maxDifference(mpsl, central)).isLessThanOrEqualTo(TOLERANCE);
  }

  @Test
  void twoEpochsOfTwoSteps_lazyRowTables_differFromCentralizedOnlyBeyondRoundOff() throws Exception {
    // The default (lazy Adam on rows): a row without a gradient in a step stays where it is, where dense Adam moves it.
    Map<String, float[]> mpsl = mpsl(model(), 4, 2, ROWS);
    Map<String, float[]> central = centralized(model(), false, mpslBatches(model(), 4, 2));
    assertThat(maxDifference(mpsl, central)).isGreaterThan(TOLERANCE);
  }

  @Test
  void oneStep_sharedTokenizer_tablesFrozen_leavesTextTablesAtTheirInitialValues_centralizedTrainsThem()
      throws Exception {
    Map<String, float[]> mpsl = mpslOneStep(model());
    Map<String, float[]> initial = initial(model());
    Map<String, float[]> central = centralizedOneStep(model(), false);
    for (String table : TEXT_TABLES) {
      assertThat(mpsl.get(table)).containsExactly(initial.get(table));
      assertThat(maxDifference(Map.of(table, central.get(table)), initial)).as(table).isGreaterThan(0.5 * LR);
    }
  }

  private static ModelConfig model() {
    return ModelConfig.builder()
        .addTokenizer(TokenizerSpec.image("image", 1, 8, 8, 4))
        .addTokenizer(TokenizerSpec.text("text", 5, 30))
        .setEncoder(EncoderConfig.small(16, 1, 2))
        .setHead(HeadConfig.projection(8)).optFusion(Fusion.LATE).optPooling(Pooling.MEAN).build();
  }

  private static DatasetSplit data(ModelConfig model) {
    return new DatasetSplit(new RandomDataset(PAIRS, 2, 3), new RandomDataset(8, 2, 4));
  }

  /** One MPSL epoch that is one step: 2 clients, proportional batches of 8 · 2 = all 16 pairs. */
  private static Map<String, float[]> mpslOneStep(ModelConfig model) throws Exception {
    return mpsl(model, PAIRS / 2, 1, FROZEN);
  }

  private static final TokenizerPolicy ROWS = TokenizerPolicy.sharedGradients(1);
  private static final TokenizerPolicy FROZEN = ROWS.withSharedTables(false);

  /**
   * MPSL with 2 clients, proportional batches of about {@code clientBatch} each, for {@code epochs}; the server's
   * model and global tokenizers after the last.
   */
  private static Map<String, float[]> mpsl(ModelConfig model, int clientBatch, int epochs, TokenizerPolicy policy)
      throws Exception {
    SimulationConfig config = config(model, clientBatch, epochs).withTokenizers(policy);
    AtomicReference<MpslServer> server = new AtomicReference<>();
    Map<String, float[]> after = new LinkedHashMap<>();
    java.util.List<Integer> live = new java.util.ArrayList<>();
    new Simulation(config, data(model)).configureServer(s -> s.useServerSideLoss(ServerSideLoss.contrastive()))
        .run(new Simulation(config, data(model)).partition(), e -> {
          assertThat(e.steps()).isEqualTo(PAIRS / (2 * clientBatch));
          live.add(LiveArrays.settledCount());
          if (e.epoch() == epochs) {
            after.putAll(values("client.", server.get().globalTokenizers()));
            after.putAll(values("server.", server.get().model()));
          }
        }, server::set);
    // each epoch the same work (projection head, shared tables): nothing a step or an epoch end left behind
    assertThat(live).as("live arrays at each epoch's end").allMatch(n -> n.equals(live.get(0)));
    return after;
  }

  private static SimulationConfig config(ModelConfig model, int clientBatch, int epochs) {
    return new SimulationConfig(model, 2, clientBatch, epochs, LR, 5, 1e5, 1, SEED, Duration.ofSeconds(60), 2)
        .withTokenizers(TokenizerPolicy.sharedGradients(1)).withBatches(ClientBatches.PROPORTIONAL);
  }

  /** One centralized step on all pairs; {@code frozenTextTables}: the text tokenizer's embedding tables are not trained. */
  private static Map<String, float[]> centralizedOneStep(ModelConfig model, boolean frozenTextTables) {
    int[] all = java.util.stream.IntStream.range(0, PAIRS).toArray();
    return centralized(model, frozenTextTables, java.util.List.of(all));
  }

  /**
   * Centralized training on the batches MPSL's step would join: at each step, each client's next slice of its seeded
   * epoch order (client i's order is seeded with seed + 1 + i, as {@code MpslSetup} seeds it), in client order.
   */
  private static java.util.List<int[]> mpslBatches(ModelConfig model, int clientBatch, int epochs) {
    org.mpsl4j.data.partition.Partition partition = new Simulation(config(model, clientBatch, epochs), data(model))
        .partition();
    java.util.List<int[]> batches = new java.util.ArrayList<>();
    for (int epoch = 0; epoch < epochs; epoch++) {
      for (int step = 0; step < PAIRS / (2 * clientBatch); step++) {
        java.util.stream.IntStream.Builder batch = java.util.stream.IntStream.builder();
        for (int c = 0; c < 2; c++) {
          int b = ClientBatches.PROPORTIONAL.batch(partition, c, clientBatch);
          int[] order = org.mpsl4j.core.data.EpochOrder.of(partition.client(c), SEED + 1 + c, epoch);
          for (int i = step * b; i < Math.min(order.length, (step + 1) * b); i++) {
            batch.add(order[i]);
          }
        }
        batches.add(batch.build().toArray());
      }
    }
    return batches;
  }

  private static Map<String, float[]> centralized(ModelConfig model, boolean frozenTextTables,
      java.util.List<int[]> batches) {
    DatasetSplit data = data(model);
    try (CentralizedTrainer t = new CentralizedTrainer(model, LR, new StepLr(LR, 5, 0.1f), PAIRS, SEED)) {
      if (frozenTextTables) {
        for (String table : TEXT_TABLES) {
          t.client().namedParameters().get(table.substring("client.".length())).setTrainable(false);
        }
      }
      for (int[] batch : batches) {
        t.step(data.train().batch(batch));
      }
      Map<String, float[]> after = values("client.", t.client());
      after.putAll(values("server.", t.server()));
      return after;
    }
  }

  private static Map<String, float[]> initial(ModelConfig model) {
    try (CentralizedTrainer t = new CentralizedTrainer(model, LR, new StepLr(LR, 5, 0.1f), PAIRS, SEED)) {
      Map<String, float[]> before = values("client.", t.client());
      before.putAll(values("server.", t.server()));
      return before;
    }
  }

  private static Map<String, float[]> values(String prefix, Module module) {
    Map<String, float[]> out = new LinkedHashMap<>();
    module.namedParameters().forEach((name, p) -> out.put(prefix + name, p.array().toFloatArray()));
    return out;
  }

  private static double maxDifference(Map<String, float[]> a, Map<String, float[]> b) {
    double worst = 0;
    for (Map.Entry<String, float[]> e : a.entrySet()) {
      float[] x = e.getValue();
      float[] y = b.get(e.getKey());
      for (int i = 0; i < x.length; i++) {
        worst = Math.max(worst, Math.abs(x[i] - y[i]));
      }
    }
    return worst;
  }
}
