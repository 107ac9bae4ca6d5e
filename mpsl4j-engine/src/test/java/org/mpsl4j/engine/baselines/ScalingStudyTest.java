package org.mpsl4j.engine.baselines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mpsl4j.data.DatasetSplit;

/**
 * The scaling study measures what is true on the wire: one more encoder block makes every FedAvg
 * update larger by that block's parameters, and leaves MPSL's traffic (activations and their
 * gradients, tokenizer averaging) as it was. Tiny shapes, 2 clients × 10 real MNIST samples.
 */
final class ScalingStudyTest {

  @Test
  void fedAvgGrowsWithDepth_mpslStaysFlat() throws Exception {
    DatasetSplit split = SmallMnist.load(20);
    ScalingStudy.Settings s = new ScalingStudy.Settings(2, 10, 5, 3e-3f, 2024, 7, Duration.ofSeconds(60), 2);
    List<ScalingStudy.Config> configs = new ArrayList<>(ScalingStudy.depthSweep(32, List.of(1, 2), 64));
    configs.addAll(ScalingStudy.widthSweep(1, List.of(32), 64)); // the same shape as depth 1: measured once

    List<ScalingStudy.Row> rows = ScalingStudy.run(split, s, configs, List.of(Method.MPSL, Method.FEDAVG), r -> {});

    rows.forEach(System.out::println);
    assertThat(rows).hasSize(6);
    ScalingStudy.Row mpsl1 = rows.get(0);
    ScalingStudy.Row fedAvg1 = rows.get(1);
    ScalingStudy.Row mpsl2 = rows.get(2);
    ScalingStudy.Row fedAvg2 = rows.get(3);
    assertThat(mpsl1.method()).isEqualTo(Method.MPSL);
    assertThat(fedAvg2.method()).isEqualTo(Method.FEDAVG);
    assertThat(fedAvg2.trainableParameters()).isGreaterThan(fedAvg1.trainableParameters());
    assertThat(fedAvg2.clientParameters()).isEqualTo(fedAvg1.clientParameters());

    // FedAvg: each client uploads and downloads the whole trainable model once per round.
    for (ScalingStudy.Row f : List.of(fedAvg1, fedAvg2)) {
      assertThat(f.bytesUpPerClient()).isGreaterThanOrEqualTo(4.0 * f.trainableParameters());
      assertThat(f.bytesDownPerClient()).isGreaterThanOrEqualTo(4.0 * f.trainableParameters());
      assertThat(f.trainLoss()).isFinite();
    }
    double extraBlockBytes = 4.0 * (fedAvg2.trainableParameters() - fedAvg1.trainableParameters());
    assertThat(fedAvg2.bytesUpPerClient() - fedAvg1.bytesUpPerClient()).isCloseTo(extraBlockBytes,
        within(0.05 * extraBlockBytes));
    assertThat(fedAvg2.bytesDownPerClient() - fedAvg1.bytesDownPerClient()).isCloseTo(extraBlockBytes,
        within(0.05 * extraBlockBytes));

    // MPSL: the same activations, outputs and gradients cross the cut whatever the depth behind it.
    assertThat(mpsl1.bytesUpPerClient()).isPositive();
    assertThat(mpsl2.bytesUpPerClient()).isCloseTo(mpsl1.bytesUpPerClient(), within(0.03 * mpsl1.bytesUpPerClient()));
    assertThat(mpsl2.bytesDownPerClient()).isCloseTo(mpsl1.bytesDownPerClient(),
        within(0.03 * mpsl1.bytesDownPerClient()));

    // The width sweep's shape equals depth 1's: reported again, not rerun.
    assertThat(rows.get(4).sweep()).isEqualTo("width");
    assertThat(rows.get(4).bytesUpPerClient()).isEqualTo(mpsl1.bytesUpPerClient());
    assertThat(rows.get(5).bytesDownPerClient()).isEqualTo(fedAvg1.bytesDownPerClient());
  }

  /** A round that trains nothing is that row's result (marked, NaN bytes), not an exception that ends the study. */
  @Test
  void anUntrainedRound_isAMarkedRow_andTheStudyGoesOn() throws Exception {
    DatasetSplit split = SmallMnist.load(20);
    ScalingStudy.Settings s = new ScalingStudy.Settings(2, 10, 5, 3e-3f, 2024, 7, Duration.ofNanos(1), 2);

    List<ScalingStudy.Row> rows = ScalingStudy.run(split, s, ScalingStudy.depthSweep(32, List.of(1), 64),
        List.of(Method.FEDAVG, Method.MPSL), r -> {});

    assertThat(rows).hasSize(2);
    assertThat(rows).allSatisfy(r -> {
      assertThat(r.trained()).isFalse();
      assertThat(r.failure()).contains(r.method().label(), "of 1", "0.000000001 s", "--deadline-s");
      assertThat(r.bytesUpPerClient()).isNaN();
      assertThat(r.trainLoss()).isNaN();
    });
  }

  @Test
  void configs_headsFollowHeadDim_partitionIsEven() {
    assertThat(ScalingStudy.widthSweep(4, List.of(192, 384, 768), 64)).extracting(ScalingStudy.Config::heads)
        .containsExactly(3, 6, 12);
    assertThat(ScalingStudy.depthSweep(32, List.of(1), 64).get(0).heads()).isEqualTo(1);
    var p = ScalingStudy.evenPartition(2, 3, 6);
    assertThat(p.client(1)).containsExactly(3, 4, 5);
    assertThatThrownBy(() -> ScalingStudy.evenPartition(2, 20, 30)).hasMessageContaining("need 40");
  }
}
