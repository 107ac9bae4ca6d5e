package org.mpsl4j.engine.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** Every row comes back with the batch's mean row norm and its own direction; a zero row stays zero. */
final class NormEqualizationTest {
  @Test
  void apply_rescalesEachRowToTheMeanNorm_keepingDirections() {
    try (NDManager m = NDManager.newBaseManager()) {
      // row norms 5, 1 and 0: mean 2
      float[] out = NormEqualization.apply(m.create(new float[] {3, 4, 0, 1, 0, 0}, new Shape(3, 2))).toFloatArray();

      assertThat(out).containsExactly(new float[] {1.2f, 1.6f, 0, 2, 0, 0}, within(1e-6f));
    }
  }
}
