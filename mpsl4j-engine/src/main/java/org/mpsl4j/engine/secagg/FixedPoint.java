package org.mpsl4j.engine.secagg;

/**
 * Weighted parameters as integers modulo 2^64, so that masks cancel exactly: x ↦ round(x · 2^{@value #FRACTION_BITS}).
 * Sums of up to 2^(63 − 24 − log2 max|x|) such values are exact; parameters are bounded far below that.
 */
public final class FixedPoint {
  public static final int FRACTION_BITS = 24;
  private static final double SCALE = 1L << FRACTION_BITS;

  private FixedPoint() {}

  /** {@code weight · values} as fixed point. */
  public static long[] encode(float[] values, double weight) {
    long[] out = new long[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Math.round(values[i] * weight * SCALE);
    }
    return out;
  }

  /** A fixed-point sum divided by {@code total}, as floats. */
  public static float[] decode(long[] sum, double total) {
    float[] out = new float[sum.length];
    for (int i = 0; i < sum.length; i++) {
      out[i] = (float) (sum[i] / SCALE / total);
    }
    return out;
  }
}
