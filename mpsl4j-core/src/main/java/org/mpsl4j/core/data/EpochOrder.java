package org.mpsl4j.core.data;

import java.util.Random;

/**
 * A client's sample order in one epoch: the one seeded shuffle every client (MPSL and baselines) uses, so that with
 * the same data seed every method sees the same mini-batches in the same order.
 */
public final class EpochOrder {
  private EpochOrder() {}

  public static int[] of(int[] indices, long dataSeed, int epoch) {
    int[] order = indices.clone();
    Random rng = new Random(dataSeed * 1_000_003L + epoch);
    for (int i = order.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  /** Steps needed for {@code samples} samples in batches of {@code batch} (the last one may be short). */
  public static int steps(int samples, int batch) {
    return (samples + batch - 1) / batch;
  }
}
