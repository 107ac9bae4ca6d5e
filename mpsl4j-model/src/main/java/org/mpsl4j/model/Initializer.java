package org.mpsl4j.model;

import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Random;

/**
 * How a new parameter is filled. Values come from a seeded {@link Random} on the Java side so that a
 * model is reproducible bit for bit from its seed, independent of the engine's own RNG.
 */
@FunctionalInterface
public interface Initializer {
  float[] values(Shape shape, Random rng);

  static Initializer constant(float value) {
    return (shape, rng) -> {
      float[] v = new float[Math.toIntExact(shape.size())];
      Arrays.fill(v, value);
      return v;
    };
  }

  static Initializer zeros() {
    return constant(0f);
  }

  static Initializer ones() {
    return constant(1f);
  }

  /** Normal(0, std) truncated to ±2 std, the ViT/BERT default (std 0.02). */
  static Initializer truncatedNormal(double std) {
    return (shape, rng) -> {
      float[] v = new float[Math.toIntExact(shape.size())];
      for (int i = 0; i < v.length; i++) {
        double x;
        do {
          x = rng.nextGaussian();
        } while (Math.abs(x) > 2.0);
        v[i] = (float) (x * std);
      }
      return v;
    };
  }

  /** Uniform(-b, b) with b = 1/sqrt(fanIn): PyTorch's default for Linear and Conv layers. */
  static Initializer fanInUniform(long fanIn) {
    double bound = 1.0 / Math.sqrt(fanIn);
    return (shape, rng) -> {
      float[] v = new float[Math.toIntExact(shape.size())];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
      }
      return v;
    };
  }
}
