package org.mpsl4j.engine.mpsl;

/**
 * Where a global step number falls in the schedule, and which steps are checkpoint boundaries. The
 * server numbers steps 1, 2, … without gaps: each epoch is {@code stepsPerEpoch} training steps and
 * then one epoch-end step (tokenizer averaging, evaluation). Server and clients compute boundaries
 * with this one function, so that both write a checkpoint of the same step.
 *
 * @param stepsPerEpoch training steps per epoch (from the Welcome)
 * @param checkpointEvery training steps between checkpoints; 0 checkpoints only at epoch ends
 */
public record StepClock(int stepsPerEpoch, int checkpointEvery) {
  public StepClock {
    if (stepsPerEpoch < 1) {
      throw new IllegalArgumentException("stepsPerEpoch must be >= 1 but was " + stepsPerEpoch);
    }
    if (checkpointEvery < 0) {
      throw new IllegalArgumentException("checkpointEvery must be >= 0 but was " + checkpointEvery
          + " (use --checkpoint-every)");
    }
  }

  /** The global step of training step {@code stepInEpoch} (0-based) of {@code epoch} (0-based). */
  public long trainingStep(int epoch, int stepInEpoch) {
    return (long) epoch * (stepsPerEpoch + 1) + stepInEpoch + 1;
  }

  /** The global step of {@code epoch}'s end. */
  public long epochEnd(int epoch) {
    return (long) (epoch + 1) * (stepsPerEpoch + 1);
  }

  /** How many training steps (not epoch ends) are numbered {@code <= globalStep}. */
  public long trainingStepsUpTo(long globalStep) {
    return globalStep - globalStep / (stepsPerEpoch + 1);
  }

  /** Whether both server and clients checkpoint after {@code globalStep}. */
  public boolean isCheckpoint(long globalStep) {
    if (globalStep <= 0) {
      return false;
    }
    boolean epochEnd = globalStep % (stepsPerEpoch + 1) == 0;
    return epochEnd || (checkpointEvery > 0 && trainingStepsUpTo(globalStep) % checkpointEvery == 0);
  }

  /** The latest checkpoint boundary {@code <= globalStep}, or 0 if there is none. */
  public long lastCheckpointUpTo(long globalStep) {
    if (globalStep <= 0) {
      return 0;
    }
    long lastEpochEnd = globalStep / (stepsPerEpoch + 1) * (stepsPerEpoch + 1);
    long best = lastEpochEnd;
    if (checkpointEvery > 0) {
      long t = trainingStepsUpTo(globalStep) / checkpointEvery * checkpointEvery;
      if (t > 0) {
        best = Math.max(best, trainingStep((int) ((t - 1) / stepsPerEpoch), (int) ((t - 1) % stepsPerEpoch)));
      }
    }
    return best;
  }
}
