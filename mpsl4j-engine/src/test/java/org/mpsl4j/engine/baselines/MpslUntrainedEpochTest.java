package org.mpsl4j.engine.baselines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.mpsl4j.data.DatasetSplit;

/**
 * MPSL is held to the baselines' rule ({@link RoundLoopMissedRepliesTest}): an epoch in which no step updated the
 * model stops the method with an {@link UntrainedRoundException}, so that compare reports it as not trained instead
 * of scoring the untouched global model as MPSL's.
 */
final class MpslUntrainedEpochTest {

  @Test
  void anEpochWithNoCountedStep_stopsMpslNamingEpochAndDeadline() throws Exception {
    DatasetSplit split = SmallMnist.load(200);
    Experiment small = SmallMnist.experiment(split, SmallMnist.iid(split, 3), 10, 2, 3e-3f);
    Experiment x = new Experiment(small.model(), small.data(), small.partition(), small.clientBatch(), small.epochs(),
        small.learningRate(), small.stepLrSize(), small.seed(), Duration.ofNanos(1), small.threads());

    UntrainedRoundException e = catchThrowableOfType(() -> MethodRunner.run(Method.MPSL, x, ep -> {}),
        UntrainedRoundException.class);

    assertThat(e).isNotNull();
    assertThat(e.getMessage()).contains("MPSL", "epoch 1 of 2", "no step updated the model", "0.000000001 s",
        "--deadline-s");
    assertThat(e.result().trained()).isFalse();
    assertThat(e.result().failure()).isEqualTo(e.getMessage());
    assertThat(e.result().epochs()).isEmpty();
    assertThat(e.result().finalAccuracy()).isNaN();
  }
}
