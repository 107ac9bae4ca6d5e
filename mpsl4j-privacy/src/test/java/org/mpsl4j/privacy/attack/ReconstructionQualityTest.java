package org.mpsl4j.privacy.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** PSNR and SSIM on hand-checkable images. */
final class ReconstructionQualityTest {
  @Test
  void psnr_exactCopyIsInfinite_andAConstantErrorOfATenthOfTheRangeIs20dB() {
    float[] x = {0, 1, 0, 1};
    assertThat(ReconstructionQuality.psnr(x, x.clone())).isInfinite();
    assertThat(ReconstructionQuality.psnr(x, new float[] {0.1f, 1.1f, 0.1f, 1.1f})).isCloseTo(20, within(1e-4));
  }

  @Test
  void ssim_ofAnImageWithItselfIsOne_andWithItsNegativeIsNegative() {
    float[] x = new float[8 * 8];
    for (int i = 0; i < x.length; i++) {
      x[i] = (i * 37 % 11) / 10f;
    }
    float[] neg = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      neg[i] = 1 - x[i];
    }
    assertThat(ReconstructionQuality.ssim(x, x, 8, 8)).isCloseTo(1, within(1e-9));
    assertThat(ReconstructionQuality.ssim(x, neg, 8, 8)).isNegative();
  }
}
