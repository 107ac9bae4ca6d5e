package org.mpsl4j.privacy.attack;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A reported mean cross-entropy and correct count single out the batch's labels when the logits are known. */
final class LossMatchingTest {
  @Test
  void infer_findsTheLabelsWhoseLossWasReported() {
    float[][] logits = {{2.0f, 0.3f, -1.1f, 0.7f}, {0.1f, 1.9f, 0.4f, -0.5f}, {-0.3f, 0.2f, 0.8f, 1.5f}};
    int[] labels = {3, 1, 0};
    double loss = 0;
    int correct = 0;
    for (int i = 0; i < logits.length; i++) {
      double max = Double.NEGATIVE_INFINITY;
      int argmax = 0;
      double z = 0;
      for (int c = 0; c < 4; c++) {
        if (logits[i][c] > max) {
          max = logits[i][c];
          argmax = c;
        }
      }
      for (int c = 0; c < 4; c++) {
        z += Math.exp(logits[i][c]);
      }
      loss += Math.log(z) - logits[i][labels[i]];
      correct += argmax == labels[i] ? 1 : 0;
    }
    assertThat(LossMatching.infer(logits, (float) (loss / 3), correct)).containsExactly(labels);
  }

  @Test
  void infer_tooManyCandidates_givesUp() {
    assertThat(LossMatching.infer(new float[30][10], 1f, 0)).isNull();
  }
}
