package org.mpsl4j.privacy.audit;

import java.util.Set;
import org.mpsl4j.privacy.attack.GradientLabelAttacks;
import org.mpsl4j.privacy.attack.LeakAuc;

/**
 * The known-label centroid attack scored on the rows of the samples the attacker was not given.
 *
 * @param accuracy share of those rows named right
 * @param chance always guessing their most frequent class
 * @param balancedAccuracy the mean over classes of the share of each class's rows named right (chance: 1 / classes
 *     present): what the attack reads of every class, where the majority rate hides it under class imbalance
 * @param leakAuc mean one-vs-rest leak AUC of the cosine with each class's centroid ({@link LeakAuc})
 */
record KnownLabelScore(double accuracy, double chance, double balancedAccuracy, double leakAuc) {
  /**
   * @param samples the training sample of each row (a sample has a row in every epoch)
   * @param perClass samples per class whose labels the attacker knows ({@link GradientLabelAttacks#knownSamples})
   */
  static KnownLabelScore of(float[][] rows, int[] samples, int[] labels, int classes, int perClass, long seed) {
    Set<Integer> known = GradientLabelAttacks.knownSamples(samples, labels, classes, perClass, seed);
    float[][] refs = GradientLabelAttacks.centroids(rows, samples, labels, known, classes);
    int scored = (int) java.util.stream.IntStream.range(0, rows.length).filter(i -> !known.contains(samples[i]))
        .count();
    if (scored == 0) {
      return new KnownLabelScore(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    float[][] rest = new float[scored][];
    int[] y = new int[scored];
    for (int i = 0, at = 0; i < rows.length; i++) {
      if (!known.contains(samples[i])) {
        rest[at] = rows[i];
        y[at++] = labels[i];
      }
    }
    int[] guess = GradientLabelAttacks.nearestReference(rest, refs);
    int[] counts = new int[classes];
    int[] hits = new int[classes];
    for (int i = 0; i < scored; i++) {
      counts[y[i]]++;
      hits[y[i]] += guess[i] == y[i] ? 1 : 0;
    }
    double recall = 0;
    int present = 0;
    for (int c = 0; c < classes; c++) {
      if (counts[c] > 0) {
        recall += (double) hits[c] / counts[c];
        present++;
      }
    }
    double auc = LeakAuc.meanOneVsRest(
        c -> refs[c] == null ? new double[scored] : GradientLabelAttacks.cosine(rest, refs[c]), y, classes);
    return new KnownLabelScore(GradientLabelAttacks.accuracy(guess, y),
        (double) java.util.Arrays.stream(counts).max().orElse(0) / scored, recall / present, auc);
  }
}
