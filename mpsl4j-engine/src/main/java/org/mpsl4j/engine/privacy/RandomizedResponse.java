package org.mpsl4j.engine.privacy;

import java.util.SplittableRandom;

/**
 * Randomized response on labels, ε-label-differentially private (Ghazi et al., "Deep Learning with Label Differential
 * Privacy", 2021, RR baseline): a label is kept with probability e^ε / (e^ε + C − 1) and otherwise replaced by one of
 * the other C − 1 classes, uniformly. Each sample's answer is drawn once from (seed, sample index), so the same
 * sample gets the same noisy label in every epoch: repeating it would average the noise away.
 */
public final class RandomizedResponse {
  private final double epsilon;
  private final int classes;
  private final long seed;

  public RandomizedResponse(double epsilon, int classes, long seed) {
    if (classes < 2) {
      throw new IllegalArgumentException("randomized response needs at least 2 classes but got " + classes);
    }
    this.epsilon = epsilon;
    this.classes = classes;
    this.seed = seed;
  }

  /** Probability that a label is kept. */
  public double keepProbability() {
    return Double.isInfinite(epsilon) ? 1 : Math.exp(epsilon) / (Math.exp(epsilon) + classes - 1);
  }

  /** The noisy label of sample {@code index} whose true label is {@code label}. */
  public int answer(int index, int label) {
    SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
    if (rng.nextDouble() < keepProbability()) {
      return label;
    }
    int other = rng.nextInt(classes - 1);
    return other >= label ? other + 1 : other;
  }
}
