package org.mpsl4j.engine.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Marvell noise has the stated power (P × the batch's mean squared row norm per row, on average over the batch), mean
 * zero, and is isotropic until a second class is seen.
 */
final class MarvellNoiseTest {
  private static final int K = 12;
  private static final int ROWS = 400;

  /** Rows of three classes: class c has mean 0.5·e_c, per-coordinate spread 0.05·(c + 1). */
  private static float[] rows(Random random, int[] labels) {
    float[] g = new float[ROWS * K];
    for (int i = 0; i < ROWS; i++) {
      labels[i] = random.nextInt(3);
      for (int j = 0; j < K; j++) {
        g[i * K + j] = (float) ((j == labels[i] ? 0.5 : 0) + 0.05 * (labels[i] + 1) * random.nextGaussian());
      }
    }
    return g;
  }

  @Test
  void noise_hasTheRequestedPowerPerRow_andMeanZero() {
    Random random = new Random(5);
    MarvellNoise noise = new MarvellNoise(2.0, 3, new SeededGaussian(11));
    double ratioSum = 0;
    int batches = 30;
    double[] columnSums = new double[K];
    try (NDManager m = NDManager.newBaseManager()) {
      for (int step = 0; step < batches; step++) {
        int[] labels = new int[ROWS];
        NDArray g = m.create(rows(random, labels), new Shape(ROWS, K));
        NDArray z = noise.draw(g, m.create(labels).toType(DataType.INT64, false), m);
        double noisePower = z.square().sum().getFloat() / ROWS;
        double rowPower = g.square().sum().getFloat() / ROWS;
        ratioSum += noisePower / rowPower;
        float[] sums = z.sum(new int[] {0}).toFloatArray();
        for (int j = 0; j < K; j++) {
          columnSums[j] += sums[j];
        }
      }
    }
    // 12,000 draws; the noise lies mostly along three directions, so the relative error of the mean is about
    // √(2/12000) ≈ 1.3 %: 5 % is about four of those
    assertThat(ratioSum / batches).as("mean squared noise norm / mean squared row norm").isCloseTo(2.0, within(0.1));
    // mean zero: each coordinate's mean over 12,000 rows is far below the noise's scale (√(2·~0.3/12) ≈ 0.2 per entry)
    for (double s : columnSums) {
      assertThat(s / (batches * ROWS)).isCloseTo(0, within(0.02));
    }
  }

  @Test
  void withOneClassSeen_isIsotropicAtTheSamePower() {
    try (NDManager m = NDManager.newBaseManager()) {
      float[] g = new float[4000 * 3];
      for (int i = 0; i < 4000; i++) {
        g[i * 3] = 1;
      }
      float[] z = new MarvellNoise(3, 2, new SeededGaussian(2)).draw(m.create(g, new Shape(4000, 3)),
          m.zeros(new Shape(4000), DataType.INT64), m).toFloatArray();
      double[] perAxis = new double[3];
      for (int i = 0; i < z.length; i++) {
        perAxis[i % 3] += z[i] * z[i] / 4000;
      }
      for (double v : perAxis) {
        assertThat(v).isCloseTo(1, within(0.15));
      }
    }
  }

  @Test
  void power_mustBePositiveAndFinite() {
    assertThatThrownBy(() -> new MarvellNoise(0, 3, new SeededGaussian(1))).hasMessageContaining("--marvell-noise");
    assertThatThrownBy(() -> new PrivacySettings(Double.POSITIVE_INFINITY, 0, 0, false, 0, true, null, 0, 1, 0, 0,
        Double.POSITIVE_INFINITY)).hasMessageContaining("--marvell-noise");
  }
}
