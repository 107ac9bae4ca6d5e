package org.mpsl4j.engine;

/**
 * Counts of (true class, predicted class) pairs and the figures read off them: accuracy, and per class precision,
 * recall, F1 and support. Pure arithmetic, no tensors.
 */
public final class ConfusionMatrix {
  private final long[][] counts;

  private ConfusionMatrix(long[][] counts) {
    this.counts = counts;
  }

  /**
   * @param labels    true class per sample
   * @param predicted predicted class per sample
   * @param classes   number of classes
   */
  public static ConfusionMatrix of(int[] labels, int[] predicted, int classes) {
    if (labels.length != predicted.length) {
      throw new IllegalArgumentException(labels.length + " labels but " + predicted.length + " predictions");
    }
    long[][] counts = new long[classes][classes];
    for (int i = 0; i < labels.length; i++) {
      counts[labels[i]][predicted[i]]++;
    }
    return new ConfusionMatrix(counts);
  }

  /** The class of the largest logit per row of a (samples × classes) row-major array; ties go to the lower class. */
  public static int[] argmax(float[] logits, int classes) {
    int[] out = new int[logits.length / classes];
    for (int i = 0; i < out.length; i++) {
      int best = 0;
      for (int c = 1; c < classes; c++) {
        if (logits[i * classes + c] > logits[i * classes + best]) {
          best = c;
        }
      }
      out[i] = best;
    }
    return out;
  }

  /** {@code count(actual, predicted)}. */
  public long count(int actual, int predicted) {
    return counts[actual][predicted];
  }

  public int classes() {
    return counts.length;
  }

  public long total() {
    long n = 0;
    for (long[] row : counts) {
      for (long v : row) {
        n += v;
      }
    }
    return n;
  }

  public double accuracy() {
    long correct = 0;
    for (int c = 0; c < counts.length; c++) {
      correct += counts[c][c];
    }
    long n = total();
    return n == 0 ? 0 : (double) correct / n;
  }

  /** Samples whose true class is {@code c}. */
  public long support(int c) {
    long n = 0;
    for (long v : counts[c]) {
      n += v;
    }
    return n;
  }

  /** Of the samples predicted as {@code c}, the share that is {@code c}; 0 when none was. */
  public double precision(int c) {
    long predicted = 0;
    for (long[] row : counts) {
      predicted += row[c];
    }
    return predicted == 0 ? 0 : (double) counts[c][c] / predicted;
  }

  /** Of the samples of class {@code c}, the share predicted as {@code c}; 0 when there are none. */
  public double recall(int c) {
    long s = support(c);
    return s == 0 ? 0 : (double) counts[c][c] / s;
  }

  public double f1(int c) {
    double p = precision(c);
    double r = recall(c);
    return p + r == 0 ? 0 : 2 * p * r / (p + r);
  }
}
