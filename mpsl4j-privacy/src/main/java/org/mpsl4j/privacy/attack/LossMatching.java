package org.mpsl4j.privacy.attack;

/**
 * Labels from the loss a client reports: with the head on the server, the server holds each sample's logits, so it
 * knows −log softmax(z)[c] for every class c; the reported mean cross-entropy L and the count of correct predictions
 * then single out the label vector of the batch among all C^b candidates (to float precision, almost always one).
 * Needs no gradient at all, so noise on gradients does not stop it; only not sending per-client loss does.
 */
public final class LossMatching {
  /** Largest candidate count searched (C^b); larger batches are not attacked. */
  public static final long MAX_CANDIDATES = 5_000_000L;

  private LossMatching() {}

  /**
   * The label vector whose mean cross-entropy is closest to {@code loss} among those with {@code correct} arg-max
   * hits, or null when there are more than {@value #MAX_CANDIDATES} candidates.
   *
   * @param logits (b, C) as the server computed them
   */
  public static int[] infer(float[][] logits, float loss, int correct) {
    int b = logits.length;
    int classes = logits[0].length;
    if (Math.pow(classes, b) > MAX_CANDIDATES) {
      return null;
    }
    double[][] nll = new double[b][classes];
    int[] argmax = new int[b];
    for (int i = 0; i < b; i++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < classes; c++) {
        if (logits[i][c] > max) {
          max = logits[i][c];
          argmax[i] = c;
        }
      }
      double sum = 0;
      for (int c = 0; c < classes; c++) {
        sum += Math.exp(logits[i][c] - max);
      }
      double logZ = max + Math.log(sum);
      for (int c = 0; c < classes; c++) {
        nll[i][c] = logZ - logits[i][c];
      }
    }
    Search s = new Search(nll, argmax, (double) loss * b, correct);
    s.walk(0, 0, 0);
    return s.best;
  }

  private static final class Search {
    final double[][] nll;
    final int[] argmax;
    final double target;
    final int correct;
    final int[] current;
    int[] best;
    double bestError = Double.POSITIVE_INFINITY;

    Search(double[][] nll, int[] argmax, double target, int correct) {
      this.nll = nll;
      this.argmax = argmax;
      this.target = target;
      this.correct = correct;
      this.current = new int[nll.length];
    }

    void walk(int i, double sum, int hits) {
      if (hits > correct || hits + (nll.length - i) < correct) {
        return;
      }
      if (i == nll.length) {
        double err = Math.abs(sum - target);
        if (err < bestError) {
          bestError = err;
          best = current.clone();
        }
        return;
      }
      for (int c = 0; c < nll[i].length; c++) {
        current[i] = c;
        walk(i + 1, sum + nll[i][c], hits + (c == argmax[i] ? 1 : 0));
      }
    }
  }
}
