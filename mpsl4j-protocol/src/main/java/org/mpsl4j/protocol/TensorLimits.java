package org.mpsl4j.protocol;

/**
 * Bounds a decoded tensor must respect. A server derives them from the run's configuration
 * (batch size, token count, width), so an oversized message is refused before allocation.
 *
 * @param maxRank highest accepted rank
 * @param maxElements most elements accepted in one tensor
 * @param rejectNonFinite whether NaN or ±Inf in a float tensor is an error
 */
public record TensorLimits(int maxRank, long maxElements, boolean rejectNonFinite) {
  /** Generous bounds for trusted, local use (tests, checkpoints). */
  public static TensorLimits lenient() {
    return new TensorLimits(8, 1L << 31, true);
  }
}
