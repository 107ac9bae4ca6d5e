package org.mpsl4j.core.data;

/**
 * Client batches that span the whole epoch (`--client-batches spread`, docs/GLOBAL_MODEL.md): the epoch has
 * T = ⌈n/B⌉ steps (n all clients' samples, B the server batch) and client i takes its epoch order in T nearly equal
 * slices, rows [⌊s·nᵢ/T⌋, ⌊(s+1)·nᵢ/T⌋) at step s. Each slice has ⌊nᵢ/T⌋ or ⌈nᵢ/T⌉ rows, so every client with at
 * least T samples is in every step, each step's server batch is about B with every client's share of the data, and
 * no tail of the epoch holds only the largest clients (with fixed batches a client that needs fewer steps drops out
 * early). A client with fewer than T samples sits out the steps where its slice is empty.
 */
public final class SpreadBatches {
  private SpreadBatches() {}

  /** T = ⌈n/B⌉: the steps of an epoch over {@code totalSamples} samples with server batch {@code serverBatch}. */
  public static int stepsPerEpoch(long totalSamples, int serverBatch) {
    if (totalSamples < 1 || serverBatch < 1) {
      throw new IllegalArgumentException("spread batches need samples >= 1 and a server batch >= 1, got "
          + totalSamples + " samples and batch " + serverBatch);
    }
    return (int) ((totalSamples + serverBatch - 1) / serverBatch);
  }

  /** ⌈nᵢ/T⌉: the largest slice of a client with {@code clientSamples} samples (its declared batch). */
  public static int largestBatch(int clientSamples, int steps) {
    checkSteps(steps);
    return Math.max(1, (clientSamples + steps - 1) / steps);
  }

  /** ⌊s·nᵢ/T⌋: where step {@code step}'s slice starts in the client's epoch order (step T gives nᵢ, the end). */
  public static int sliceStart(int clientSamples, int steps, int step) {
    checkSteps(steps);
    if (step < 0 || step > steps) {
      throw new IllegalArgumentException("step " + step + " is outside [0, " + steps + "]");
    }
    return (int) ((long) step * clientSamples / steps);
  }

  private static void checkSteps(int steps) {
    if (steps < 1) {
      throw new IllegalArgumentException("steps per epoch must be >= 1 but was " + steps);
    }
  }
}
