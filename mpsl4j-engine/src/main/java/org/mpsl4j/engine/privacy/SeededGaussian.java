package org.mpsl4j.engine.privacy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;

/**
 * Gaussian draws from a client's own seeded generator, so that a defended run is reproducible from its seeds (libtorch's
 * generator is global and unseeded here, and client threads would interleave on it). The draws are generated on the
 * heap: the defenses' noise is a few hundred to a few thousand values per step. One instance per client; not
 * thread-safe.
 */
final class SeededGaussian {
  private final SplittableRandom random;

  SeededGaussian(long seed) {
    this.random = new SplittableRandom(seed);
  }

  /** An array of {@code shape} with independent N(0, std²) entries, owned by {@code scope}. */
  NDArray draw(Shape shape, float std, NDManager scope) {
    float[] values = new float[Math.toIntExact(shape.size())];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (std * random.nextGaussian());
    }
    return scope.create(values, shape);
  }
}
