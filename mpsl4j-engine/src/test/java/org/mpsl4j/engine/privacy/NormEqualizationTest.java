package org.mpsl4j.engine.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** Every row of a b-row batch comes back with the norm 1/b and its own direction; a zero row stays zero. */
final class NormEqualizationTest {
  @Test
  void apply_rescalesEachRowToOneOverB_keepingDirections() {
    try (NDManager m = NDManager.newBaseManager()) {
      // row norms 5, 1 and 0 in a batch of 4: each becomes 1/4
      float[] out = NormEqualization.apply(m.create(new float[] {3, 4, 0, 1, 0, 0, 0, -2}, new Shape(4, 2)))
          .toFloatArray();

      assertThat(out).containsExactly(new float[] {0.15f, 0.2f, 0, 0.25f, 0, 0, 0, -0.25f}, within(1e-6f));
    }
  }
}
