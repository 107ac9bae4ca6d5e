package org.mpsl4j.engine.secagg;

import java.util.Collection;

/**
 * A shared tokenizer's gradients in a form the server can add but not read: each client sends its gradient in fixed
 * point plus its {@link GroupPads group pad} of the step, the server adds what the counted clients sent (modulo 2⁶⁴)
 * and sends the padded sum back with the list of counted clients, and every client takes those clients' pads off.
 * No pairwise masks are needed: a pad is a one-time pad from a secret only the clients hold, so one padded gradient
 * is as unreadable to the server as the padded sum (against a server that does not know {@code --client-seed}; a
 * client of the group that saw another's padded message could read it, and the seed is 64 bits: docs/PRIVACY.md).
 *
 * <p>Fixed point with {@value #FRACTION_BITS} fraction bits (a resolution of 1.5·10⁻¹¹, finer than the epoch-end
 * average's, because Adam divides every gradient by its own running scale, so small gradients matter as much as large
 * ones). A value must lie within ±{@value #LIMIT}: then sums over up to 2¹⁰ clients stay exact in 64 bits. Immutable
 * helpers; a step's pads are drawn once per client, for its one padded message of that step.
 */
public final class PaddedGradients {
  public static final int FRACTION_BITS = 36;
  /** The largest magnitude a gradient value may have: 2^(63 − 36 − 10 − 1). */
  public static final double LIMIT = 65536;
  private static final double SCALE = 1L << FRACTION_BITS;

  private PaddedGradients() {}

  /**
   * {@code gradient} in fixed point plus {@code clientId}'s pad of {@code step}.
   *
   * @throws IllegalArgumentException naming the first value that is not finite or beyond ±{@value #LIMIT}
   */
  public static long[] pad(float[] gradient, GroupPads pads, long step, String clientId) {
    long[] out = new long[gradient.length];
    for (int i = 0; i < gradient.length; i++) {
      float v = gradient[i];
      if (!(Math.abs(v) <= LIMIT)) {
        throw new IllegalArgumentException("tokenizer gradient value " + v + " at index " + i + " of " + gradient.length
            + " is not finite or beyond ±" + (long) LIMIT + ", so it cannot go into a padded sum");
      }
      out[i] = Math.round(v * SCALE);
    }
    Masks.apply(out, pads.pad(step, clientId, out.length), 1);
    return out;
  }

  /** The sum of the {@code counted} clients' gradients, from their padded sum. */
  public static float[] unpad(long[] paddedSum, GroupPads pads, long step, Collection<String> counted) {
    long[] sum = pads.remove(paddedSum, step, counted);
    float[] out = new float[sum.length];
    for (int i = 0; i < sum.length; i++) {
      out[i] = (float) (sum[i] / SCALE);
    }
    return out;
  }

  /** {@code into} += {@code values}, modulo 2⁶⁴ (what the server does, not knowing what it adds). */
  public static void add(long[] into, long[] values) {
    if (into.length != values.length) {
      throw new IllegalArgumentException(values.length + " padded values do not match the sum's " + into.length);
    }
    Masks.apply(into, values, 1);
  }
}
