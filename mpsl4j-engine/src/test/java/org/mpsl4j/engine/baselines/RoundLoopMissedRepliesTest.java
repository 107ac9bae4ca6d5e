package org.mpsl4j.engine.baselines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.function.IntFunction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.mpsl4j.data.DatasetSplit;

/**
 * Client replies that miss the deadline are the method's result too: the round loop records them per epoch, and a
 * round that no reply trained stops the method instead of scoring its untrained model as the method's accuracy.
 */
final class RoundLoopMissedRepliesTest {
  private static final Duration STEP_DEADLINE = Duration.ofMillis(100);

  private static Experiment experiment(Duration deadline) {
    DatasetSplit split = SmallMnist.load(200);
    Experiment x = SmallMnist.experiment(split, SmallMnist.iid(split, 3), 10, 2, 3e-3f);
    return new Experiment(x.model(), x.data(), x.partition(), x.clientBatch(), x.epochs(), x.learningRate(),
        x.stepLrSize(), x.seed(), deadline, x.threads());
  }

  private static MethodResult run(Method method, Experiment x, IntFunction<Boolean> silent, RoundLoop.Transport transport)
      throws Exception {
    return switch (method) {
      case FEDAVG -> RoundLoop.run(method, x, new FedAvg(x), i -> silent.apply(i) ? new SilentClient(x, i)
          : FedAvg.client(x, i), FedAvg.clientMacs(x.model()), transport, e -> {});
      case SPLITFED_V1 -> RoundLoop.run(method, x, new SplitFedV1(x), i -> silent.apply(i) ? new SilentClient(x, i)
          : SplitFedV1.client(x, i), org.mpsl4j.model.macs.MacCounter.count(x.model()), transport, e -> {});
      case SEQUENTIAL_SL -> RoundLoop.run(method, x, new SequentialSl(x), i -> silent.apply(i) ? new SilentClient(x, i)
          : SequentialSl.client(x, i), org.mpsl4j.model.macs.MacCounter.count(x.model()), transport, e -> {});
      default -> throw new IllegalArgumentException("not in this test: " + method);
    };
  }

  @ParameterizedTest
  @EnumSource(value = Method.class, names = {"FEDAVG", "SPLITFED_V1", "SEQUENTIAL_SL"})
  void aClientThatNeverAnswers_isReportedAsMissedInEveryEpoch(Method method) throws Exception {
    MethodResult r = run(method, experiment(STEP_DEADLINE), i -> i == 1, RoundLoop.Transport.DIRECT);

    assertThat(r.trained()).isTrue();
    assertThat(r.finalAccuracy()).isFinite();
    // FedAvg: one missed update per round; split methods: its activations at each step and its client part.
    int perRound = method == Method.FEDAVG ? 1 : 1 + org.mpsl4j.core.data.EpochOrder.steps(
        experiment(STEP_DEADLINE).partition().clientSize(1), 10);
    assertThat(r.epochs()).allSatisfy(e -> assertThat(e.missedReplies()).isEqualTo(perRound));
    assertThat(r.missedReplies()).isEqualTo(2 * perRound);
  }

  @ParameterizedTest
  @EnumSource(value = Method.class, names = {"FEDAVG", "SPLITFED_V1"})
  void aRoundWithNoReply_stopsTheMethodNamingRoundAndDeadline(Method method) throws Exception {
    UntrainedRoundException e = catchThrowableOfType(
        () -> run(method, experiment(STEP_DEADLINE), i -> true, RoundLoop.Transport.DIRECT),
        UntrainedRoundException.class);

    assertThat(e).isNotNull();
    assertThat(e.getMessage()).contains(method.label(), "round 1 of 2", "0.1 s", "--deadline-s");
    assertThat(e.result().trained()).isFalse();
    assertThat(e.result().failure()).isEqualTo(e.getMessage());
    assertThat(e.result().finalAccuracy()).isNaN();
    assertThat(e.result().finalRecall()).isNull();
  }

  /** Over the real in-process transport, a deadline no local training can meet leaves FedAvg untrained, loudly. */
  @Test
  void fedAvgWithATinyDeadlineOverGrpc_isNotReportedAsTrained() throws Exception {
    Experiment x = experiment(Duration.ofNanos(1));
    UntrainedRoundException e = catchThrowableOfType(
        () -> MethodRunner.run(Method.FEDAVG, x, RoundLoop.Transport.GRPC_IN_PROCESS, ep -> {}),
        UntrainedRoundException.class);

    assertThat(e).isNotNull();
    assertThat(e.getMessage()).contains("FedAvg", "round 1 of 2", "3 replies missed", "0.000000001 s");
    assertThat(e.result().epochs()).isEmpty();
  }
}
