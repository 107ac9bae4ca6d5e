package org.mpsl4j.privacy.attack;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.model.tokenizer.Tokens;

/**
 * Inverting a patch tokenizer with its weights gives its input back: images (7 × 7 patches, 51 unknowns against 64
 * equations) and sensor windows; with another seed's weights it is no better than guessing the mean.
 */
final class PatchInversionTest {
  @Test
  void invert_withTheTokenizersWeights_returnsTheImage() {
    float[] image = randomInput(2 * 28 * 28, 1);
    float[] recon = roundTrip(TokenizerSpec.image("image", 1, 28, 28, 7), image, 2, 2024, 2024);
    assertThat(maxAbsDifference(image, recon)).isLessThan(1e-3f);
  }

  @Test
  void invert_sensorWindows_returnsThem() {
    float[] windows = randomInput(3 * 6 * 32, 2);
    float[] recon = roundTrip(TokenizerSpec.sensor("phone", 6, 32, 4), windows, 3, 5, 5);
    assertThat(maxAbsDifference(windows, recon)).isLessThan(1e-3f);
  }

  @Test
  void invert_withAnotherSeedsWeights_isFarOff() {
    float[] image = randomInput(2 * 28 * 28, 1);
    float[] recon = roundTrip(TokenizerSpec.image("image", 1, 28, 28, 7), image, 2, 2024, 99);
    // No better than guessing the mean (0) everywhere.
    assertThat(ReconstructionQuality.psnr(image, recon))
        .isLessThan(ReconstructionQuality.psnr(image, new float[image.length]));
  }

  private static float[] roundTrip(TokenizerSpec spec, float[] input, int batch, long clientSeed, long attackerSeed) {
    ModelConfig config = ModelConfig.builder().addTokenizer(spec).setEncoder(EncoderConfig.small(64, 1, 4))
        .setHead(HeadConfig.classification(10)).build();
    try (NDManager m = NDManager.newBaseManager()) {
      ClientModel client = new ClientModel(m, config, new Random(clientSeed));
      int[] shape = spec.inputShape();
      long[] full = new long[shape.length + 1];
      full[0] = batch;
      for (int i = 0; i < shape.length; i++) {
        full[i + 1] = shape[i];
      }
      NDArray x = m.create(input, new Shape(full));
      List<Tokens> tokens = client.forward(Map.of(spec.input(), x), Map.of());
      float[] acts = tokens.get(0).values().toFloatArray();
      ClientModel attacker = new ClientModel(m, config, new Random(attackerSeed));
      Map<String, float[]> params = new HashMap<>();
      attacker.namedParameters().forEach((name, p) ->
          params.put(name.substring(spec.input().length() + 1), p.array().toFloatArray()));
      return new PatchInversion(spec, 64, params).invert(acts, batch);
    }
  }

  private static float[] randomInput(int n, long seed) {
    Random r = new Random(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) r.nextGaussian();
    }
    return x;
  }

  private static float maxAbsDifference(float[] a, float[] b) {
    float m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }
}
