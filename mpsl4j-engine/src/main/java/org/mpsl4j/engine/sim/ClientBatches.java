package org.mpsl4j.engine.sim;

import org.mpsl4j.data.partition.Partition;

/**
 * How big each client's mini-batch is (docs/GLOBAL_MODEL.md).
 *
 * <p>{@link #EQUAL} is the paper's: every client takes b samples per step, so a client with more data
 * trains for more steps, and the last steps of an epoch hold only the largest clients' data. Under label
 * skew those tail steps are class-skewed and pull the shared model towards the largest clients' classes
 * (measured: after one epoch of one class per client, the global model predicted the largest clients'
 * class for every test sample). {@link #PROPORTIONAL} gives client i the batch bᵢ = max(1, round(nᵢ·B/n))
 * with B = N·b the server batch: every client finishes its data in about the same number of steps, and
 * every step's server batch has the class mix of the whole training set.
 */
public enum ClientBatches {
  EQUAL,
  PROPORTIONAL;

  /** Client {@code index}'s batch in {@code partition}, with {@code base} the equal batch b. */
  public int batch(Partition partition, int index, int base) {
    if (this == EQUAL) {
      return base;
    }
    long total = 0;
    for (int c = 0; c < partition.numClients(); c++) {
      total += partition.clientSize(c);
    }
    long serverBatch = (long) partition.numClients() * base;
    return (int) Math.max(1, Math.round((double) partition.clientSize(index) * serverBatch / total));
  }

  /** The largest client batch of {@code partition} (bounds what the server accepts). */
  public int max(Partition partition, int base) {
    int max = 1;
    for (int c = 0; c < partition.numClients(); c++) {
      max = Math.max(max, batch(partition, c, base));
    }
    return max;
  }

  /** Parses {@code equal} or {@code proportional}. */
  public static ClientBatches parse(String value) {
    for (ClientBatches b : values()) {
      if (b.name().equalsIgnoreCase(value.trim())) {
        return b;
      }
    }
    throw new IllegalArgumentException("client batches '" + value + "' is not one of equal, proportional");
  }
}
