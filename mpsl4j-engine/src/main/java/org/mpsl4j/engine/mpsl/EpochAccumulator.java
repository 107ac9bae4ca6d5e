package org.mpsl4j.engine.mpsl;

/** The server's running figures of one epoch; a resumed epoch starts from its checkpoint's sums. */
final class EpochAccumulator {
  final int epoch;
  final long start = System.nanoTime();
  int steps;
  long samples;
  double lossSum;
  long correct;
  int missed;
  long[] personalized = {0, 0};
  /** When the method's work of the epoch ended (steps and tokenizer averaging), before the evaluation. */
  private long trainingEnd;

  EpochAccumulator(int epoch, ServerCheckpoint.EpochSoFar soFar) {
    this.epoch = epoch;
    steps = soFar.steps();
    samples = soFar.samples();
    lossSum = soFar.lossSum();
    correct = soFar.correct();
    missed = soFar.missed();
  }

  /** Adds a step's figures; a step counts when it updated the model. */
  void add(org.mpsl4j.core.port.StepReport r) {
    missed += r.missed();
    if (r.updates() > 0) {
      steps++;
      samples += r.samples();
      lossSum += r.lossTimesBatch();
      correct += r.correct();
    }
  }

  /** Marks the end of the epoch's training, so that its time excludes the personalized evaluation. */
  void trainingDone() {
    trainingEnd = System.nanoTime();
  }

  ServerCheckpoint.EpochSoFar soFar() {
    return new ServerCheckpoint.EpochSoFar(steps, samples, lossSum, correct, missed);
  }

  EpochStats finish() {
    return new EpochStats(epoch, steps, samples, samples == 0 ? Double.NaN : lossSum / samples,
        samples == 0 ? Double.NaN : (double) correct / samples, ((trainingEnd != 0 ? trainingEnd : System.nanoTime()) - start) / 1e9, missed,
        personalized[1] == 0 ? Double.NaN : (double) personalized[0] / personalized[1]);
  }
}
