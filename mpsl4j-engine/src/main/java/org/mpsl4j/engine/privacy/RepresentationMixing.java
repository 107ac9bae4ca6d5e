package org.mpsl4j.engine.privacy;

import java.util.SplittableRandom;

/**
 * Which samples of a client's batch are mixed into which training row (client-side manifold mixup, Verma et al. 2019,
 * here as a label defense): the batch is put in a random cyclic order and mixed row k is the mean of K consecutive
 * samples starting at sample k. The mixing matrix M (b × b, z̃ = M·z, ỹ = M·y) then has K entries 1/K in every row and
 * every column: each mix is an average of K distinct samples, each sample is in exactly K mixes with weight 1/K, so
 * the mixed soft labels sum to the batch's label counts and every sample still counts once in the loss. The gradient
 * a sample gets back is Mᵀ of the mixed rows' gradients, a sum over the K mixes it is in, each carrying the labels of
 * K − 1 other samples; the cyclic order is drawn per batch from the client's secret seed, so the server knows
 * neither M nor the labels. A batch of fewer than K samples is averaged whole (K = b). One instance per client; not
 * thread-safe.
 */
final class RepresentationMixing {
  private final int k;
  private final SplittableRandom random;

  /** @param k samples per mix (≥ 2) */
  RepresentationMixing(int k, long seed) {
    if (k < 2) {
      throw new IllegalArgumentException("mixing needs at least 2 samples per mix but was " + k
          + " (use --mix-representations 2 or more, or leave it out)");
    }
    this.k = k;
    this.random = new SplittableRandom(seed);
  }

  /** The next batch's mixing matrix, row-major (b × b). */
  float[] matrix(int b) {
    int[] order = new int[b];
    for (int i = 0; i < b; i++) {
      order[i] = i;
    }
    for (int i = b - 1; i > 0; i--) { // Fisher-Yates
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    int mixes = Math.min(k, b);
    float weight = 1f / mixes;
    float[] m = new float[b * b];
    for (int pos = 0; pos < b; pos++) {
      int row = order[pos];
      for (int r = 0; r < mixes; r++) {
        m[row * b + order[(pos + r) % b]] += weight;
      }
    }
    return m;
  }
}
