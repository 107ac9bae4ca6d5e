package org.mpsl4j.privacy.attack;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.head.TaskHead;
import org.mpsl4j.model.train.Losses;

/**
 * With the client's head known, the gradient w.r.t. the representation gives every label back: computed here by
 * autograd through a real head (LayerNorm + linear), exactly as a client computes it.
 */
final class HeadInversionTest {
  @Test
  void labels_fromRepresentationGradients_throughTheKnownHead() {
    int batch = 32;
    int width = 64;
    int classes = 10;
    try (NDManager m = NDManager.newBaseManager()) {
      TaskHead head = new TaskHead(m, HeadConfig.classification(classes), width, 1e-6f, new Random(3));
      NDArray z = Autograd.leaf(m.randomNormal(new Shape(batch, width)));
      long[] labels = new long[batch];
      Random r = new Random(4);
      for (int i = 0; i < batch; i++) {
        labels[i] = r.nextInt(classes);
      }
      try (Autograd.Recording rec = Autograd.record()) {
        Autograd.backward(Losses.crossEntropy(head.forward(z), m.create(labels)));
      }
      float[][] reps = rows(z.toFloatArray(), batch, width);
      float[][] grads = rows(z.getGradient().toFloatArray(), batch, width);
      int[] guess = new HeadInversion(head.namedParameters().get("fc.weight").array().toFloatArray(), classes,
          head.namedParameters().get("norm.weight").array().toFloatArray(), 1e-6).labels(reps, grads);
      for (int i = 0; i < batch; i++) {
        assertThat(guess[i]).as("sample %d", i).isEqualTo((int) labels[i]);
      }
    }
  }

  private static float[][] rows(float[] flat, int n, int k) {
    float[][] out = new float[n][k];
    for (int i = 0; i < n; i++) {
      System.arraycopy(flat, i * k, out[i], 0, k);
    }
    return out;
  }
}
