package org.mpsl4j.engine.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/**
 * Zero-sum noise hides each row with noise of the asked scale while the batch's rows keep their exact sum; after norm
 * equalization (the order of {@link ClientPrivacy#outputGradient}) the rows sum to the equalized rows' sum. A batch of
 * one row goes as zeros, since its sum is the row.
 */
final class ZeroSumNoiseTest {
  @Test
  void draw_sumsToZeroOverTheBatch_withTheAskedStdPerEntry() {
    try (NDManager m = NDManager.newBaseManager()) {
      int b = 4;
      int k = 5000;
      NDArray g = m.ones(new Shape(b, k)); // RMS entry 1
      float[] n = ZeroSumNoise.draw(g, 3, new SeededGaussian(1), m).toFloatArray();

      double sumSquares = 0;
      for (int j = 0; j < k; j++) {
        double columnSum = 0;
        for (int i = 0; i < b; i++) {
          columnSum += n[i * k + j];
          sumSquares += (double) n[i * k + j] * n[i * k + j];
        }
        assertThat(columnSum).as("column %d summed over the batch", j).isCloseTo(0, within(1e-4));
      }
      // 20,000 entries: the sample std of N(0, 9) is within 3 % of 3 far beyond 5 standard errors
      assertThat(Math.sqrt(sumSquares / (b * k))).as("std per entry").isCloseTo(3, within(0.09));
    }
  }

  @Test
  void outputGradient_afterEqualization_keepsTheBatchSumButNotTheRows() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray g = m.create(new float[] {0.3f, -0.1f, 0.2f, 0.05f, 0.4f, -0.3f, -0.2f, 0.1f, 0.1f}, new Shape(3, 3));
      ClientPrivacy defenses = new ClientPrivacy(
          PrivacySettings.NONE.withEqualizedNorms(true).withZeroSumNoise(10).withNoiseSeed(5), 3);

      NDArray sent = defenses.outputGradient(g, m.create(new int[] {0, 1, 2}), m);
      NDArray equalized = NormEqualization.apply(g);

      assertThat(sent.sum(new int[] {0}).toFloatArray())
          .containsExactly(equalized.sum(new int[] {0}).toFloatArray(), within(1e-5f));
      // σ = 10: each row is mostly noise (its distance from the equalized row is several times that row's norm 1/3)
      float[] diff = sent.sub(equalized).square().sum(new int[] {1}).sqrt().toFloatArray();
      for (float d : diff) {
        assertThat(d).as("distance of a sent row from its equalized row").isGreaterThan(1f / 3);
      }
    }
  }

  @Test
  void aSingleRow_isSentAsZeros() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray g = m.create(new float[] {0.3f, -0.4f}, new Shape(1, 2));
      ClientPrivacy defenses = new ClientPrivacy(PrivacySettings.NONE.withZeroSumNoise(1).withNoiseSeed(5), 2);

      assertThat(defenses.outputGradient(g, m.create(new int[] {1}), m).toFloatArray()).containsExactly(0f, 0f);
    }
  }

  @Test
  void aNegativeScale_isRefusedNamingTheFlag() {
    assertThatThrownBy(() -> PrivacySettings.NONE.withZeroSumNoise(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1.0 (--zero-sum-noise)");
  }
}
