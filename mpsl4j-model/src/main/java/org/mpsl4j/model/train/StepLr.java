package org.mpsl4j.model.train;

/**
 * {@code torch.optim.lr_scheduler.StepLR}: the learning rate is {@code base · gamma^⌊epoch/stepSize⌋}.
 * The MPSL reference uses step 5, gamma 0.1.
 */
public record StepLr(float baseLearningRate, int stepSize, float gamma) {
  public StepLr {
    if (stepSize <= 0) {
      throw new IllegalArgumentException("StepLR step size must be > 0 but was " + stepSize);
    }
  }

  public float learningRate(int epoch) {
    return (float) (baseLearningRate * Math.pow(gamma, epoch / stepSize));
  }
}
