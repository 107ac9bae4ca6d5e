package org.mpsl4j.engine.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/**
 * The noise lies in the span of the class-mean differences and nowhere else, at the power asked for; with one class
 * seen it is isotropic.
 */
final class ClassSubspaceNoiseTest {
  private static final int ROWS = 4000;

  /** Class 0 rows are (1, 0, 0), class 1 rows (0, 1, 0): the classes differ only along (1, −1, 0). */
  private static NDArray twoClassRows(NDManager m, float[] labels) {
    float[] g = new float[ROWS * 3];
    for (int i = 0; i < ROWS; i++) {
      labels[i] = i % 2;
      g[i * 3 + (i % 2)] = 1;
    }
    return m.create(g, new Shape(ROWS, 3));
  }

  @Test
  void draw_liesAlongTheClassMeanDifference_withTheRequestedPower() {
    try (NDManager m = NDManager.newBaseManager()) {
      float[] labels = new float[ROWS];
      NDArray g = twoClassRows(m, labels);
      float[] z = new ClassSubspaceNoise(4, 2, new SeededGaussian(1)).draw(g, m.create(labels).toType(ai.djl.ndarray.types.DataType.INT64,
          false), m).toFloatArray();

      double squared = 0;
      for (int i = 0; i < ROWS; i++) {
        assertThat(z[i * 3 + 2]).as("noise off the class subspace, row %d", i).isCloseTo(0f, within(1e-6f));
        assertThat(z[i * 3] + z[i * 3 + 1]).as("noise along (1, 1, 0), row %d", i).isCloseTo(0f, within(1e-5f));
        squared += z[i * 3] * z[i * 3] + z[i * 3 + 1] * z[i * 3 + 1];
      }
      // every row has norm 1, so the expected squared noise norm per row is the power, 4
      assertThat(squared / ROWS).isCloseTo(4, within(0.3));
    }
  }

  @Test
  void draw_withOneClassSeen_isIsotropicAtTheSamePower() {
    try (NDManager m = NDManager.newBaseManager()) {
      float[] g = new float[ROWS * 3];
      for (int i = 0; i < ROWS; i++) {
        g[i * 3] = 1;
      }
      float[] z = new ClassSubspaceNoise(3, 2, new SeededGaussian(2)).draw(m.create(g, new Shape(ROWS, 3)), m.zeros(new Shape(ROWS),
          ai.djl.ndarray.types.DataType.INT64), m).toFloatArray();

      double[] perAxis = new double[3];
      for (int i = 0; i < z.length; i++) {
        perAxis[i % 3] += z[i] * z[i] / ROWS;
      }
      for (double v : perAxis) {
        assertThat(v).isCloseTo(1, within(0.15));
      }
    }
  }
}
