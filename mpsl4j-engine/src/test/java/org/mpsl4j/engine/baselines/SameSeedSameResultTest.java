package org.mpsl4j.engine.baselines;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mpsl4j.data.DatasetSplit;

/**
 * A comparison is only worth its seeds if a seed names one result: each method, run twice with the same seed over the
 * real in-process transport (threads, arrival order and all), reports the same training loss and test accuracy in every
 * epoch, to the last digit.
 */
final class SameSeedSameResultTest {

  @ParameterizedTest
  @EnumSource(value = Method.class, names = {"MPSL", "FEDAVG", "CENTRALIZED"})
  void twoRunsWithOneSeed_reportTheSameEpochs(Method method) throws Exception {
    DatasetSplit split = SmallMnist.load(200);
    Experiment x = SmallMnist.experiment(split, SmallMnist.iid(split, 4), 10, 2, 3e-3f);

    List<MethodResult.Epoch> first = MethodRunner.run(method, x, RoundLoop.Transport.GRPC_IN_PROCESS, e -> {}).epochs();
    List<MethodResult.Epoch> second = MethodRunner.run(method, x, RoundLoop.Transport.GRPC_IN_PROCESS, e -> {}).epochs();

    assertThat(second).hasSameSizeAs(first);
    for (int i = 0; i < first.size(); i++) {
      System.out.printf("%s epoch %d: loss %.9f / %.9f, accuracy %.6f / %.6f%n", method.label(), i + 1,
          first.get(i).trainLoss(), second.get(i).trainLoss(), first.get(i).testAccuracy(), second.get(i).testAccuracy());
      assertThat(second.get(i).trainLoss()).as("epoch %d loss", i + 1).isEqualTo(first.get(i).trainLoss());
      assertThat(second.get(i).testAccuracy()).as("epoch %d accuracy", i + 1).isEqualTo(first.get(i).testAccuracy());
    }
  }
}
