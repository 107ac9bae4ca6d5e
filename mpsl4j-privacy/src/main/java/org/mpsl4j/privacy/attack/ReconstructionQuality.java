package org.mpsl4j.privacy.attack;

/**
 * How close a reconstruction is to the original: PSNR and SSIM (Wang et al. 2004, 7 × 7 uniform windows and the
 * usual constants K1 = 0.01, K2 = 0.03, as scikit-image's defaults), both with the data range of the original
 * sample (max − min), so they read the same whatever normalization the input had.
 */
public final class ReconstructionQuality {
  private static final int WINDOW = 7;

  private ReconstructionQuality() {}

  /** Peak signal-to-noise ratio in dB; +∞ for an exact copy. */
  public static double psnr(float[] original, float[] reconstruction) {
    double range = range(original);
    double mse = 0;
    for (int i = 0; i < original.length; i++) {
      double e = original[i] - reconstruction[i];
      mse += e * e;
    }
    mse /= original.length;
    return mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(range * range / mse);
  }

  /** Mean SSIM over all 7 × 7 windows of an (h, w) single-channel image. */
  public static double ssim(float[] x, float[] y, int h, int w) {
    double range = range(x);
    double c1 = Math.pow(0.01 * range, 2);
    double c2 = Math.pow(0.03 * range, 2);
    double sum = 0;
    int windows = 0;
    int n = WINDOW * WINDOW;
    for (int r = 0; r + WINDOW <= h; r++) {
      for (int c = 0; c + WINDOW <= w; c++) {
        double mx = 0;
        double my = 0;
        for (int i = 0; i < WINDOW; i++) {
          for (int j = 0; j < WINDOW; j++) {
            mx += x[(r + i) * w + c + j];
            my += y[(r + i) * w + c + j];
          }
        }
        mx /= n;
        my /= n;
        double vx = 0;
        double vy = 0;
        double cov = 0;
        for (int i = 0; i < WINDOW; i++) {
          for (int j = 0; j < WINDOW; j++) {
            double dx = x[(r + i) * w + c + j] - mx;
            double dy = y[(r + i) * w + c + j] - my;
            vx += dx * dx;
            vy += dy * dy;
            cov += dx * dy;
          }
        }
        vx /= n - 1;
        vy /= n - 1;
        cov /= n - 1;
        sum += ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
        windows++;
      }
    }
    return sum / windows;
  }

  private static double range(float[] x) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (float v : x) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    return max > min ? max - min : 1;
  }
}
