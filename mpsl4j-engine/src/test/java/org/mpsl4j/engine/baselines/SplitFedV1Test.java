package org.mpsl4j.engine.baselines;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.partition.Partition;

/** SplitFed v1 keeps one server copy per client, trains them apart, and averages them by samples. */
final class SplitFedV1Test {

  @Test
  void round_keepsOneServerCopyPerClient_andAveragesThemBySamples() throws Exception {
    Experiment x = tenAndThirty();

    Map<String, Map<String, float[]>> beforeAverage = new LinkedHashMap<>();
    try (SplitFedV1 strategy = new SplitFedV1(x); SplitClient c0 = SplitFedV1.client(x, 0);
        SplitClient c1 = SplitFedV1.client(x, 1)) {
      strategy.onBeforeAverage(copies -> copies.forEach((client, part) -> {
        Map<String, float[]> values = new LinkedHashMap<>();
        part.model().trainableParameters().forEach((n, p) -> values.put(n, p.array().toFloatArray()));
        beforeAverage.put(client, values);
      }));
      try (DirectGrid grid = new DirectGrid(List.of(c0, c1))) {
        Strategy.RoundStats stats = strategy.round(0, x.learningRate(), grid);
        assertThat(stats.missed()).isZero();
        assertThat(stats.trainLoss()).isFinite();
      }

      Map<String, ServerPart> copies = strategy.serverCopies();
      assertThat(copies).containsOnlyKeys("client-0", "client-1");
      assertThat(copies.get("client-0")).isNotSameAs(copies.get("client-1"));
      assertThat(copies.get("client-0").model()).isNotSameAs(copies.get("client-1").model());

      String name = "head.fc.weight";
      float[] w0 = beforeAverage.get("client-0").get(name);
      float[] w1 = beforeAverage.get("client-1").get(name);
      assertThat(w0).as("the copies trained apart on different data").isNotEqualTo(w1);
      for (ServerPart part : copies.values()) {
        float[] avg = part.model().trainableParameters().get(name).array().toFloatArray();
        for (int i = 0; i < avg.length; i++) {
          // 10 and 30 samples: weights 1/4 and 3/4
          assertThat(Math.abs(avg[i] - (0.25f * w0[i] + 0.75f * w1[i]))).isLessThan(1e-6f);
        }
      }
      assertThat(strategy.serverStateBytes()).as("two copies cost about twice one")
          .isGreaterThan(2 * copies.get("client-0").stateBytes());
    }
  }

  /** A client that missed every step did not train its copy: the average is over the copies that trained. */
  @Test
  void round_averagesOnlyTheCopiesOfClientsThatCounted() throws Exception {
    Experiment x = tenAndThirty();
    x = new Experiment(x.model(), x.data(), x.partition(), x.clientBatch(), x.epochs(), x.learningRate(),
        x.stepLrSize(), x.seed(), java.time.Duration.ofMillis(50), x.threads());

    Map<String, float[]> trained = new LinkedHashMap<>();
    try (SplitFedV1 strategy = new SplitFedV1(x); SplitClient c0 = SplitFedV1.client(x, 0);
        SilentClient silent = new SilentClient(x, 1)) {
      strategy.onBeforeAverage(copies -> copies.get("client-0").model().trainableParameters()
          .forEach((n, p) -> trained.put(n, p.array().toFloatArray())));
      try (DirectGrid grid = new DirectGrid(List.of(c0, silent))) {
        Strategy.RoundStats stats = strategy.round(0, x.learningRate(), grid);
        assertThat(stats.missed()).as("4 steps' activations and the client part").isEqualTo(4);
        assertThat(stats.contributions()).isEqualTo(1);
      }
      for (ServerPart part : strategy.serverCopies().values()) {
        part.model().trainableParameters().forEach((n, p) ->
            assertThat(p.array().toFloatArray()).as(n).containsExactly(trained.get(n)));
      }
    }
  }

  /**
   * Both halves trained per client from the same start and both averaged by samples each round is
   * exactly FedAvg with one local epoch: the two must agree loss for loss (a cross-check of both).
   */
  @Test
  void splitFedV1_matchesFedAvg_epochForEpoch() throws Exception {
    DatasetSplit split = SmallMnist.load(200);
    int[] a = new int[30];
    int[] b = new int[50];
    Arrays.setAll(a, i -> i);
    Arrays.setAll(b, i -> 30 + i);
    Experiment x = SmallMnist.experiment(split, new Partition("test: 30 + 50", List.of(a, b)), 10, 2, 3e-3f);

    MethodResult v1 = MethodRunner.run(Method.SPLITFED_V1, x, RoundLoop.Transport.DIRECT, e -> {});
    MethodResult fedAvg = MethodRunner.run(Method.FEDAVG, x, RoundLoop.Transport.DIRECT, e -> {});

    for (int e = 0; e < 2; e++) {
      assertThat(Math.abs(v1.epochs().get(e).trainLoss() - fedAvg.epochs().get(e).trainLoss())).isLessThan(1e-4);
      assertThat(v1.epochs().get(e).testAccuracy()).isEqualTo(fedAvg.epochs().get(e).testAccuracy());
    }
  }

  /** Two clients of 10 and 30 MNIST images, batch 10, one epoch. */
  private static Experiment tenAndThirty() throws Exception {
    DatasetSplit split = SmallMnist.load(200);
    int[] a = new int[10];
    int[] b = new int[30];
    Arrays.setAll(a, i -> i);
    Arrays.setAll(b, i -> 10 + i);
    return SmallMnist.experiment(split, new Partition("test: 10 + 30", List.of(a, b)), 10, 1, 3e-3f);
  }
}
