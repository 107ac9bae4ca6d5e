package org.mpsl4j.data.sensor;

import java.util.List;

/**
 * Cuts a pair of phone and watch recordings of one execution into aligned, labeled windows.
 *
 * <p>Both streams are linearly resampled onto one time grid at {@code rateHz}, starting at the later of the two first
 * timestamps and ending at the earlier of the two last ones, so that every window holds both devices over the same
 * wall-clock interval. Windows of {@code length} grid points start every {@code hop} points. A window's label is the
 * majority activity among the raw rows of both devices whose timestamps fall inside it (ties go to the lower class
 * index).
 */
public final class SensorWindows {

  /**
   * Windows of one execution.
   *
   * @param phone  {@code count x 6 x length} values, row-major
   * @param watch  the same for the watch
   * @param labels majority activity per window
   */
  public record Windows(float[] phone, float[] watch, int[] labels) {
    public int count() {
      return labels.length;
    }
  }

  private SensorWindows() {
  }

  /** Aligns and windows one execution; none if the overlap is shorter than one window. */
  public static Windows cut(SensorCsv phone, SensorCsv watch, int numClasses, int rateHz, int length, int hop) {
    double start = Math.max(phone.time()[0], watch.time()[0]);
    double end = Math.min(phone.time()[phone.size() - 1], watch.time()[watch.size() - 1]);
    double step = 1000.0 / rateHz;
    int points = end < start ? 0 : (int) Math.floor((end - start) / step) + 1;
    int count = points < length ? 0 : (points - length) / hop + 1;
    double[] grid = new double[points];
    for (int i = 0; i < points; i++) {
      grid[i] = start + i * step;
    }
    float[][] p = phone.resample(grid);
    float[][] w = watch.resample(grid);
    int channels = SensorCsv.CHANNELS;
    float[] phoneOut = new float[count * channels * length];
    float[] watchOut = new float[count * channels * length];
    int[] labels = new int[count];
    for (int k = 0; k < count; k++) {
      int from = k * hop;
      for (int c = 0; c < channels; c++) {
        System.arraycopy(p[c], from, phoneOut, (k * channels + c) * length, length);
        System.arraycopy(w[c], from, watchOut, (k * channels + c) * length, length);
      }
      // The window covers [t0, t0 + length * step): the grid points and the time up to the next one.
      double t0 = grid[from];
      double t1 = t0 + length * step;
      int[] votes = new int[numClasses];
      vote(phone, t0, t1, votes);
      vote(watch, t0, t1, votes);
      labels[k] = argmax(votes);
    }
    return new Windows(phoneOut, watchOut, labels);
  }

  private static void vote(SensorCsv s, double t0, double t1, int[] votes) {
    long[] time = s.time();
    for (int i = lowerBound(time, t0); i < time.length && time[i] < t1; i++) {
      votes[s.labels()[i]]++;
    }
  }

  private static int lowerBound(long[] time, double t) {
    int lo = 0;
    int hi = time.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (time[mid] < t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private static int argmax(int[] votes) {
    int best = 0;
    for (int k = 1; k < votes.length; k++) {
      if (votes[k] > votes[best]) {
        best = k;
      }
    }
    return best;
  }

  /** Concatenates the windows of several executions. */
  static Windows concat(List<Windows> parts) {
    int n = 0;
    int floatsPhone = 0;
    for (Windows w : parts) {
      n += w.count();
      floatsPhone += w.phone().length;
    }
    float[] phone = new float[floatsPhone];
    float[] watch = new float[floatsPhone];
    int[] labels = new int[n];
    int at = 0;
    int atLabel = 0;
    for (Windows w : parts) {
      System.arraycopy(w.phone(), 0, phone, at, w.phone().length);
      System.arraycopy(w.watch(), 0, watch, at, w.watch().length);
      System.arraycopy(w.labels(), 0, labels, atLabel, w.count());
      at += w.phone().length;
      atLabel += w.count();
    }
    return new Windows(phone, watch, labels);
  }
}
