package org.mpsl4j.engine.baselines;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.model.macs.MacCounter;

/**
 * Each baseline learns on a small slice of real MNIST over the in-process gRPC transport: after two
 * epochs of 4 IID clients its global model is well above chance (10 %), and bytes were counted.
 */
final class MethodsLearnTest {
  private static DatasetSplit split;

  @BeforeAll
  static void data() {
    split = SmallMnist.load(2000);
  }

  @ParameterizedTest
  @EnumSource(value = Method.class, names = {"FEDAVG", "FEDCLIP", "SPLITFED_V1", "SPLITFED_V2", "SEQUENTIAL_SL"})
  void baseline_learnsAboveChance(Method method) throws Exception {
    Experiment x = SmallMnist.experiment(split, SmallMnist.iid(split, 4), 5, 3, 3e-3f);
    if (method == Method.FEDCLIP) {
      // FedCLIP pools as the comparison says; a frozen scratch encoder's CLS output is useless (FedClip's doc).
      x = new Experiment(SmallMnist.pooled(x.model(), org.mpsl4j.model.Pooling.MEAN), x.data(), x.partition(),
          x.clientBatch(), x.epochs(), x.learningRate(), x.stepLrSize(), x.seed(), x.deadline(), x.threads());
    }
    List<MethodResult.Epoch> seen = new ArrayList<>();

    MethodResult r = MethodRunner.run(method, x, seen::add);

    System.out.println(method + ": " + r);
    assertThat(r.epochs()).hasSize(3).isEqualTo(seen);
    assertThat(r.finalAccuracy()).as(method + " test accuracy after 3 epochs").isGreaterThan(0.25);
    assertThat(r.epochs()).allSatisfy(e -> {
      assertThat(e.trainLoss()).isFinite();
      assertThat(e.bytesUpPerClient()).isPositive();
      assertThat(e.bytesDownPerClient()).isPositive();
    });
  }

  @Test
  void clientMacs_fedAvgAboveMpsl() {
    var model = SmallMnist.tinyModel(split);
    long mpsl = MacCounter.count(model).clientTraining();
    assertThat(FedAvg.clientMacs(model).clientTraining()).isGreaterThan(mpsl);
    assertThat(FedClip.clientMacs(model).clientTraining()).isGreaterThan(mpsl);
  }
}
