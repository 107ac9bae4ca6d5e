package org.mpsl4j.privacy.attack;

/**
 * The leak AUC of Li et al. ("Label Leakage and Protection in Two-party Split Learning", 2022): the area under the
 * ROC curve of an attack score that separates positives from negatives, taken as max(AUC, 1 − AUC) because an
 * attacker who sees the score order reversed simply flips it. 0.5 is no leak, 1.0 a perfect one.
 */
public final class LeakAuc {
  private LeakAuc() {}

  /** AUC by the Mann–Whitney statistic (ties count half); NaN when one class is empty. */
  public static double auc(double[] scores, boolean[] positive) {
    int n = scores.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> Double.compare(scores[a], scores[b]));
    double rankSumPositive = 0;
    long positives = 0;
    int i = 0;
    while (i < n) { // average ranks over ties
      int j = i;
      while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) {
        j++;
      }
      double rank = (i + j) / 2.0 + 1;
      for (int k = i; k <= j; k++) {
        if (positive[order[k]]) {
          rankSumPositive += rank;
          positives++;
        }
      }
      i = j + 1;
    }
    long negatives = n - positives;
    if (positives == 0 || negatives == 0) {
      return Double.NaN;
    }
    return (rankSumPositive - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
  }

  /** max(AUC, 1 − AUC). */
  public static double leak(double[] scores, boolean[] positive) {
    double a = auc(scores, positive);
    return Double.isNaN(a) ? a : Math.max(a, 1 - a);
  }

  /**
   * The mean one-vs-rest leak AUC over the classes present (at least one positive and one negative): a multi-class
   * task read as C binary ones, the form in which Li et al.'s attacks apply.
   */
  public static double meanOneVsRest(java.util.function.IntFunction<double[]> scoresForClass, int[] labels,
      int classes) {
    double sum = 0;
    int counted = 0;
    for (int c = 0; c < classes; c++) {
      boolean[] pos = new boolean[labels.length];
      for (int i = 0; i < labels.length; i++) {
        pos[i] = labels[i] == c;
      }
      double l = leak(scoresForClass.apply(c), pos);
      if (!Double.isNaN(l)) {
        sum += l;
        counted++;
      }
    }
    return counted == 0 ? Double.NaN : sum / counted;
  }
}
