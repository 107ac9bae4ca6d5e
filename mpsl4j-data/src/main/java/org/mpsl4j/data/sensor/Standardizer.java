package org.mpsl4j.data.sensor;

/**
 * Per-channel standardization {@code (x - mean_c) / std_c} with statistics fitted on the training windows only, so
 * that nothing about the test subjects leaks into preprocessing. Used by sp-sw-har and by manifest datasets.
 *
 * @param mean    per channel
 * @param std     per channel (at least 1e-6)
 * @param length  samples per channel in a window
 */
public record Standardizer(double[] mean, double[] std, int length) {

  /** Fits mean and std per channel over windows stored as {@code count x channels x length}. */
  public static Standardizer fit(float[] windows, int channels, int length) {
    double[] sum = new double[channels];
    double[] sq = new double[channels];
    long perChannel = 0;
    for (int at = 0; at < windows.length; at += channels * length) {
      for (int c = 0; c < channels; c++) {
        for (int i = 0; i < length; i++) {
          double v = windows[at + c * length + i];
          sum[c] += v;
          sq[c] += v * v;
        }
      }
      perChannel += length;
    }
    double[] mean = new double[channels];
    double[] std = new double[channels];
    for (int c = 0; c < channels; c++) {
      mean[c] = perChannel == 0 ? 0 : sum[c] / perChannel;
      std[c] = perChannel == 0 ? 1 : Math.max(1e-6, Math.sqrt(Math.max(0, sq[c] / perChannel - mean[c] * mean[c])));
    }
    return new Standardizer(mean, std, length);
  }

  /** A standardized copy. */
  public float[] apply(float[] windows) {
    int channels = mean.length;
    float[] out = new float[windows.length];
    for (int at = 0; at < windows.length; at += channels * length) {
      for (int c = 0; c < channels; c++) {
        for (int i = 0; i < length; i++) {
          int k = at + c * length + i;
          out[k] = (float) ((windows[k] - mean[c]) / std[c]);
        }
      }
    }
    return out;
  }
}
