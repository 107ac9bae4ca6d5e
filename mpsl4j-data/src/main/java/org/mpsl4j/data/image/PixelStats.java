package org.mpsl4j.data.image;

/** Normalization statistics of 8-bit pixels, computed on a training split and applied to both splits. */
public final class PixelStats {
  private PixelStats() {}

  /**
   * Mean and standard deviation of {@code pixels} scaled to [0, 1]. The deviation is at least 1e-3, so
   * that a blank image set still normalizes to finite values; no pixels give {0, 1}.
   */
  public static float[] meanStd(byte[] pixels) {
    if (pixels.length == 0) {
      return new float[] {0, 1};
    }
    double sum = 0;
    double sq = 0;
    for (byte b : pixels) {
      double v = (b & 0xff) / 255.0;
      sum += v;
      sq += v * v;
    }
    double mean = sum / pixels.length;
    return new float[] {(float) mean, (float) Math.max(1e-3, Math.sqrt(Math.max(0, sq / pixels.length - mean * mean)))};
  }
}
