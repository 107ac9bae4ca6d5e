package org.mpsl4j.privacy.audit;

import java.util.Set;
import org.mpsl4j.privacy.attack.GradientLabelAttacks;

/**
 * The known-label centroid attack scored on the rows of the samples the attacker was not given: its accuracy, and the
 * accuracy of always guessing the most frequent class among those rows (its chance level).
 */
record KnownLabelScore(double accuracy, double chance) {
  /**
   * @param samples the training sample of each row (a sample has a row in every epoch)
   * @param perClass samples per class whose labels the attacker knows ({@link GradientLabelAttacks#knownSamples})
   */
  static KnownLabelScore of(float[][] rows, int[] samples, int[] labels, int classes, int perClass, long seed) {
    Set<Integer> known = GradientLabelAttacks.knownSamples(samples, labels, classes, perClass, seed);
    float[][] refs = GradientLabelAttacks.centroids(rows, samples, labels, known, classes);
    int[] guess = GradientLabelAttacks.nearestReference(rows, refs);
    int hits = 0;
    int scored = 0;
    int[] counts = new int[classes];
    for (int i = 0; i < rows.length; i++) {
      if (known.contains(samples[i])) {
        continue;
      }
      scored++;
      counts[labels[i]]++;
      hits += guess[i] == labels[i] ? 1 : 0;
    }
    if (scored == 0) {
      return new KnownLabelScore(Double.NaN, Double.NaN);
    }
    return new KnownLabelScore((double) hits / scored,
        (double) java.util.Arrays.stream(counts).max().orElse(0) / scored);
  }
}
