package org.mpsl4j.engine.mpsl;

import java.util.List;

/** Who took part in a step of {@link MpslServer} and what they reported, for its observers. */
record StepOutcome(List<String> contributed, List<String> missed, long samples, double lossSum,
    long correct) {
  static final StepOutcome NONE = new StepOutcome(List.of(), List.of(), 0, 0, 0);

  ServerObserver.StepReport report(int epoch, int stepInEpoch, int stepsPerEpoch, long globalStep, double seconds) {
    return new ServerObserver.StepReport(epoch, stepInEpoch, stepsPerEpoch, globalStep, seconds, contributed, missed,
        samples, samples == 0 ? Double.NaN : lossSum / samples, samples == 0 ? Double.NaN : (double) correct / samples);
  }
}
