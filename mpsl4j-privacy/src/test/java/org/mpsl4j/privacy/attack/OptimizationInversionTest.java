package org.mpsl4j.privacy.attack;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.TokenizerSpec;

/**
 * Gradient descent on the inputs gives a batch back through a client part whose weights the attacker knows, even
 * below a deeper cut (a transformer block after the tokenizer), where no least-squares inversion applies; with wrong
 * weights it does not.
 */
final class OptimizationInversionTest {
  /** A 1 × 8 × 8 image in 2 × 2 patches of 4 × 4 pixels, width 32, and one encoder block on the client. */
  private static final ModelConfig CUT = ModelConfig.builder()
      .addTokenizer(TokenizerSpec.image("image", 1, 8, 8, 4))
      .setEncoder(EncoderConfig.small(32, 2, 2))
      .setHead(HeadConfig.classification(3))
      .build()
      .withClientBlocks(1);
  private static final OptimizationInversion ATTACK = new OptimizationInversion(400, 0.05f, 0f, false, -1f, 1f);

  /** Smooth images in [-1, 1] (a gradient plus a bump), so that the blank guess is far from them. */
  private static float[] images(int batch) {
    Random rng = new Random(3);
    float[] x = new float[batch * 64];
    for (int b = 0; b < batch; b++) {
      double a = rng.nextDouble();
      for (int i = 0; i < 8; i++) {
        for (int j = 0; j < 8; j++) {
          x[b * 64 + i * 8 + j] = (float) Math.max(-1, Math.min(1, a * (i - 3.5) / 3.5 + Math.cos(j + b)));
        }
      }
    }
    return x;
  }

  private static double psnr(float[] x, float[] r) {
    return ReconstructionQuality.psnr(x, r);
  }

  private static List<float[]> activations(ClientModel model, float[] images, int batch, NDManager m) {
    NDArray in = m.create(images, new Shape(batch, 1, 8, 8));
    return List.of(model.forward(Map.of("image", in), Map.of()).get(0).values().toFloatArray());
  }

  @Test
  void invert_withTheClientsWeights_recoversTheImagesBelowADeeperCut() {
    try (NDManager m = NDManager.newBaseManager()) {
      ClientModel client = new ClientModel(m, CUT, new Random(11));
      float[] x = images(3);

      float[] r = ATTACK.invert(client, activations(client, x, 3, m), 3).get(0);

      assertThat(psnr(x, r)).as("PSNR with the client's weights (dB)").isGreaterThan(30);
      assertThat(psnr(x, new float[x.length])).as("PSNR of a blank guess (dB)").isLessThan(15);
    }
  }

  @Test
  void invert_withOtherWeights_recoversLittle() {
    try (NDManager m = NDManager.newBaseManager()) {
      ClientModel client = new ClientModel(m, CUT, new Random(11));
      ClientModel guess = new ClientModel(m, CUT, new Random(12)); // the attacker's wrong guess
      float[] x = images(3);

      float[] r = ATTACK.invert(guess, activations(client, x, 3, m), 3).get(0);

      assertThat(psnr(x, r)).as("PSNR with wrong weights (dB)").isLessThan(20);
    }
  }
}
