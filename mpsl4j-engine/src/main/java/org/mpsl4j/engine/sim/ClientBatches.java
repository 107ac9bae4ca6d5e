package org.mpsl4j.engine.sim;

import org.mpsl4j.core.data.SpreadBatches;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.engine.mpsl.MpslServer;

/**
 * How big each client's mini-batch is (docs/GLOBAL_MODEL.md).
 *
 * <p>{@link #EQUAL} is the paper's: every client takes b samples per step, so a client with more data
 * trains for more steps, and the last steps of an epoch hold only the largest clients' data. Under label
 * skew those tail steps are class-skewed and pull the shared model towards the largest clients' classes
 * (measured: after one epoch of one class per client, the global model predicted the largest clients'
 * class for every test sample). {@link #PROPORTIONAL} gives client i the batch bᵢ = max(1, round(nᵢ·B/n))
 * with B = N·b the server batch: every client finishes its data in about the same number of steps, and
 * every step's server batch has the class mix of the whole training set. Rounding still lets some clients finish a
 * step or two early. {@link #SPREAD} removes that: the epoch has T = ⌈n/B⌉ steps and client i slices its data into T
 * nearly equal parts ({@link SpreadBatches}), so every client with at least T samples is in every step; its declared
 * batch is the largest slice ⌈nᵢ/T⌉, and it learns T from the server's Welcome.
 */
public enum ClientBatches {
  EQUAL,
  PROPORTIONAL,
  SPREAD;

  /** Client {@code index}'s batch in {@code partition}, with {@code base} the equal batch b. */
  public int batch(Partition partition, int index, int base) {
    if (this == EQUAL) {
      return base;
    }
    long total = total(partition);
    if (this == SPREAD) {
      return SpreadBatches.largestBatch(partition.clientSize(index),
          SpreadBatches.stepsPerEpoch(total, serverBatch(partition.numClients(), base)));
    }
    long serverBatch = (long) partition.numClients() * base;
    return (int) Math.max(1, Math.round((double) partition.clientSize(index) * serverBatch / total));
  }

  /** The server batch B = N·b that proportional and spread batches split among the clients. */
  public static int serverBatch(int clients, int base) {
    return Math.multiplyExact(clients, base);
  }

  /** Tells {@code server} how this run sizes its epochs (spread batches: T = ⌈n/B⌉); other plans need nothing. */
  public MpslServer configure(MpslServer server, int clients, int base) {
    return this == SPREAD ? server.spreadBatches(serverBatch(clients, base)) : server;
  }

  /** The steps per epoch T that spread batches slice every client's data over; 0 for the other plans (fixed batches). */
  public int spreadSteps(Partition partition, int base) {
    return this == SPREAD ? SpreadBatches.stepsPerEpoch(total(partition), serverBatch(partition.numClients(), base)) : 0;
  }

  private static long total(Partition partition) {
    long total = 0;
    for (int c = 0; c < partition.numClients(); c++) {
      total += partition.clientSize(c);
    }
    return total;
  }

  /** The largest client batch of {@code partition} (bounds what the server accepts). */
  public int max(Partition partition, int base) {
    int max = 1;
    for (int c = 0; c < partition.numClients(); c++) {
      max = Math.max(max, batch(partition, c, base));
    }
    return max;
  }

  /** Parses {@code equal}, {@code proportional} or {@code spread}. */
  public static ClientBatches parse(String value) {
    for (ClientBatches b : values()) {
      if (b.name().equalsIgnoreCase(value.trim())) {
        return b;
      }
    }
    throw new IllegalArgumentException("client batches '" + value + "' is not one of equal, proportional, spread");
  }
}
