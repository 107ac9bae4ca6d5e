package org.mpsl4j.engine.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/**
 * A defended run repeats from its seed: each client's noise is drawn from the run's seed and the client's id
 * ({@link PrivacySettings#forClient}), the same in {@code simulate} and in the privacy audit. The same client draws the
 * same noise again; two clients of one run, or one client of two runs, draw different noise.
 */
final class SeededDefensesTest {
  private static final PrivacySettings NOISY = PrivacySettings.NONE.withGradientNoise(3).withNoiseSeed(2024);

  @Test
  void forClient_keepsEverySettingButTheNoiseSeed() {
    PrivacySettings a = NOISY.withEqualizedNorms(true).withClientSeed(77L).forClient("client-0");

    assertThat(a.withNoiseSeed(0)).isEqualTo(NOISY.withEqualizedNorms(true).withClientSeed(77L).withNoiseSeed(0));
    assertThat(a.noiseSeed()).isNotEqualTo(NOISY.forClient("client-1").noiseSeed());
  }

  @Test
  void outputGradientNoise_repeatsForTheSameClientAndRunSeed() {
    float[] first = noisyGradient(NOISY.forClient("client-0"));
    float[] again = noisyGradient(NOISY.forClient("client-0"));
    float[] otherClient = noisyGradient(NOISY.forClient("client-1"));
    float[] otherRun = noisyGradient(NOISY.withNoiseSeed(2025).forClient("client-0"));

    assertThat(again).containsExactly(first);
    assertThat(otherClient).isNotEqualTo(first);
    assertThat(otherRun).isNotEqualTo(first);
  }

  private static float[] noisyGradient(PrivacySettings settings) {
    try (NDManager m = NDManager.newBaseManager()) {
      ClientPrivacy client = new ClientPrivacy(settings, 4);
      float[] g = {0.1f, -0.2f, 0.3f, 0.05f, -0.1f, 0.2f, 0.4f, -0.3f};
      return client.outputGradient(m.create(g, new Shape(2, 4)), m.create(new int[] {0, 2}), m).toFloatArray();
    }
  }
}
