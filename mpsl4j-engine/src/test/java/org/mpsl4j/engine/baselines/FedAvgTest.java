package org.mpsl4j.engine.baselines;

import org.mpsl4j.core.data.EpochOrder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.engine.centralized.CentralizedTrainer;
import org.mpsl4j.model.Parameter;

/**
 * FedAvg with one client is local training: the averaged model equals the locally trained one. The
 * round's training loss is what the clients report in their uploads, averaged by sample count.
 */
final class FedAvgTest {

  @Test
  void oneClient_oneRound_equalsLocalTraining() throws Exception {
    DatasetSplit split = SmallMnist.load(200);
    int[] indices = new int[40];
    Arrays.setAll(indices, i -> i * 3);
    Partition one = new Partition("test: one client", List.of(indices));
    Experiment x = SmallMnist.experiment(split, one, 8, 1, 3e-3f);

    Map<String, float[]> federated = new java.util.LinkedHashMap<>();
    try (FedAvg strategy = new FedAvg(x); FederatedClient client = FedAvg.client(x, 0)) {
      try (DirectGrid grid = new DirectGrid(List.of(client))) {
        Strategy.RoundStats stats = strategy.round(0, x.learningRate(), grid);
        assertThat(stats.missed()).isZero();
        assertThat(strategy.lastAggregated()).isEqualTo(1);
        // The loss reached the server in the upload's train_loss (float32 on the wire).
        assertThat(stats.trainLoss()).isFinite().isCloseTo(client.lastRoundLoss(), within(1e-5));
      }
      strategy.global().trainable().forEach((n, p) -> federated.put(n, p.array().toFloatArray()));
    }

    // The same batches in the same order (the client's seeded epoch order), trained in one process.
    try (CentralizedTrainer local = new CentralizedTrainer(x.model(), x.learningRate(), x.schedule(), 8, x.seed())) {
      int[] order = EpochOrder.of(indices, x.dataSeed(0), 0);
      for (int from = 0; from < order.length; from += 8) {
        local.step(split.train().batch(Arrays.copyOfRange(order, from, Math.min(order.length, from + 8))));
      }
      Map<String, Parameter> expected = new java.util.LinkedHashMap<>(local.client().trainableParameters());
      expected.putAll(local.server().trainableParameters());
      assertThat(federated.keySet()).isEqualTo(expected.keySet());
      for (Map.Entry<String, Parameter> e : expected.entrySet()) {
        float[] want = e.getValue().array().toFloatArray();
        float[] got = federated.get(e.getKey());
        for (int i = 0; i < want.length; i++) {
          assertThat(Math.abs(got[i] - want[i])).as("%s[%d]", e.getKey(), i).isLessThan(1e-5f);
        }
      }
    }
  }

  /** Two clients of different size: the server's loss is the sample-weighted mean of their reported losses. */
  @Test
  void reportedLoss_isSampleWeightedMeanOfUploads() throws Exception {
    DatasetSplit split = SmallMnist.load(200);
    int[] small = new int[10];
    int[] large = new int[30];
    Arrays.setAll(small, i -> i);
    Arrays.setAll(large, i -> 10 + i);
    Experiment x = SmallMnist.experiment(split, new Partition("test: 10 + 30", List.of(small, large)), 5, 1, 3e-3f);
    try (FedAvg strategy = new FedAvg(x); FederatedClient a = FedAvg.client(x, 0); FederatedClient b = FedAvg.client(x, 1);
        DirectGrid grid = new DirectGrid(List.of(a, b))) {
      Strategy.RoundStats stats = strategy.round(0, x.learningRate(), grid);
      double want = (10 * a.lastRoundLoss() + 30 * b.lastRoundLoss()) / 40;
      assertThat(a.lastRoundLoss()).isNotCloseTo(b.lastRoundLoss(), within(1e-4));
      assertThat(stats.trainLoss()).isCloseTo(want, within(1e-5));
    }
  }

  /** Over the real transport, every round reports a finite loss, and it falls as FedAvg learns. */
  @Test
  void reportedLoss_isFiniteAndFallsOverRounds() throws Exception {
    DatasetSplit split = SmallMnist.load(600);
    Experiment x = SmallMnist.experiment(split, SmallMnist.iid(split, 3), 5, 4, 3e-3f);

    MethodResult r = MethodRunner.run(Method.FEDAVG, x, e -> {});

    List<Double> losses = r.epochs().stream().map(MethodResult.Epoch::trainLoss).toList();
    System.out.println("FedAvg train loss per round: " + losses);
    assertThat(losses).hasSize(4).allSatisfy(l -> assertThat(l).isFinite().isPositive());
    assertThat(losses.get(0)).isLessThan(Math.log(10) + 0.3); // about chance level at the start
    assertThat(losses.get(3)).isLessThan(losses.get(0) - 0.2);
  }
}
