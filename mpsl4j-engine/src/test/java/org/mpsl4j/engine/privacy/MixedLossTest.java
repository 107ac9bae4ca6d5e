package org.mpsl4j.engine.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.mpsl4j.core.step.OutputLoss;

/**
 * Client-side mixing: the mixing matrix averages K distinct samples per row and uses each sample K times, so the mixed
 * labels keep the batch's label counts; the gradient returned for the representations is Mᵀ(softmax(M·z·W) −
 * M·y)·Wᵀ/b, worked out here by hand; logit noise reaches only the directions the head can reach.
 */
final class MixedLossTest {
  private static final int B = 5;
  private static final int D = 4;
  private static final int C = 3;
  private static final float[] Z = {0.3f, -1.2f, 0.5f, 2.0f, 1.1f, 0.4f, -0.7f, 0.2f, -0.5f, 0.9f, 1.3f, -0.1f,
      0.8f, -0.6f, 0.0f, 0.7f, -1.4f, 0.25f, 0.6f, -0.3f};
  private static final int[] LABELS = {2, 0, 2, 1, 0};
  /** Head weights (D × C): logits = z·W. */
  private static final float[] W = {0.5f, -0.2f, 0.1f, 0.3f, 0.8f, -0.4f, -0.6f, 0.2f, 0.9f, 0.1f, -0.3f, 0.7f};

  @Test
  void matrix_averagesKDistinctSamplesPerRow_andUsesEachSampleKTimes() {
    RepresentationMixing mixing = new RepresentationMixing(3, 11);
    for (int batch = 0; batch < 20; batch++) {
      float[] m = mixing.matrix(B);
      for (int i = 0; i < B; i++) {
        double row = 0;
        double column = 0;
        int nonZero = 0;
        for (int j = 0; j < B; j++) {
          row += m[i * B + j];
          column += m[j * B + i];
          if (m[i * B + j] != 0) {
            nonZero++;
            assertThat(m[i * B + j]).as("weight of a mixed sample").isCloseTo(1f / 3, within(1e-6f));
          }
        }
        assertThat(nonZero).as("distinct samples in mix %d", i).isEqualTo(3);
        assertThat(row).as("row %d sum", i).isCloseTo(1, within(1e-6));
        assertThat(column).as("column %d sum (sample %d's total weight)", i, i).isCloseTo(1, within(1e-6));
      }
    }
  }

  @Test
  void matrix_ofABatchSmallerThanK_averagesItWhole() {
    float[] m = new RepresentationMixing(4, 3).matrix(2);
    assertThat(m).containsExactly(0.5f, 0.5f, 0.5f, 0.5f);
  }

  @Test
  void mixedLabels_keepTheBatchsLabelCounts() {
    float[] m = new RepresentationMixing(2, 5).matrix(B);
    double[] counts = new double[C];
    for (int k = 0; k < B; k++) {
      for (int j = 0; j < B; j++) {
        counts[LABELS[j]] += m[k * B + j];
      }
    }
    assertThat(counts).containsExactly(new double[] {2, 1, 2}, within(1e-6));
  }

  @Test
  void gradient_isMTransposeOfTheMixedRowsGradient_throughTheHead() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray w = manager.create(W, new Shape(D, C));
      UnaryOperator<NDArray> head = z -> z.matMul(w);
      long seed = 42;
      OutputLoss.Result r = new MixedLoss(head, new RepresentationMixing(2, seed), 0, new SeededGaussian(1))
          .apply(manager.create(Z, new Shape(B, D)), manager.create(LABELS));
      float[] m = new RepresentationMixing(2, seed).matrix(B); // the same draw

      double[][] expected = expectedGradient(m);
      float[] got = r.gradient().toFloatArray();
      assertThat(r.gradient().getShape()).isEqualTo(new Shape(B, D));
      for (int i = 0; i < B; i++) {
        for (int j = 0; j < D; j++) {
          assertThat((double) got[i * D + j]).as("∂L/∂z[%d][%d]", i, j).isCloseTo(expected[i][j], within(1e-5));
        }
      }
    }
  }

  @Test
  void logitNoise_changesOnlyTheDirectionsTheHeadReaches() {
    try (NDManager manager = NDManager.newBaseManager()) {
      // A head that reads the first C coordinates only: every gradient it passes back is 0 in coordinate D − 1.
      float[] picks = new float[D * C];
      for (int c = 0; c < C; c++) {
        picks[c * C + c] = 1;
      }
      NDArray w = manager.create(picks, new Shape(D, C));
      NDArray z = manager.create(Z, new Shape(B, D));
      NDArray labels = manager.create(LABELS);
      float[] clean = new MixedLoss(x -> x.matMul(w), null, 0, new SeededGaussian(1)).apply(z, labels).gradient()
          .toFloatArray();
      float[] noisy = new MixedLoss(x -> x.matMul(w), null, 3, new SeededGaussian(1)).apply(z, labels).gradient()
          .toFloatArray();

      double changed = 0;
      for (int i = 0; i < B; i++) {
        assertThat(noisy[i * D + D - 1]).as("row %d off the head's span", i).isEqualTo(0f);
        for (int c = 0; c < C; c++) {
          changed += Math.abs(noisy[i * D + c] - clean[i * D + c]);
        }
      }
      assertThat(changed).as("noise in the head's span").isGreaterThan(0.01);
    }
  }

  @Test
  void sameSeeds_sameGradient() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray z = manager.create(Z, new Shape(B, D));
      NDArray labels = manager.create(LABELS).toType(DataType.INT64, false);
      float[] a = new MixedLoss(x -> x.matMul(manager.create(W, new Shape(D, C))), new RepresentationMixing(3, 9), 2,
          new SeededGaussian(4)).apply(z, labels).gradient().toFloatArray();
      float[] b = new MixedLoss(x -> x.matMul(manager.create(W, new Shape(D, C))), new RepresentationMixing(3, 9), 2,
          new SeededGaussian(4)).apply(z, labels).gradient().toFloatArray();
      assertThat(a).containsExactly(b);
    }
  }

  @Test
  void settings_refuseFewerThanOneSamplePerMix_namingTheFlag() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> PrivacySettings.NONE.withMixing(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--mix-representations");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> PrivacySettings.NONE.withLogitNoise(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--logit-noise");
  }

  /** Mᵀ·(softmax(M·Z·W) − M·Y)·Wᵀ / b in doubles. */
  private static double[][] expectedGradient(float[] m) {
    double[][] mixedZ = new double[B][D];
    double[][] mixedY = new double[B][C];
    for (int k = 0; k < B; k++) {
      for (int j = 0; j < B; j++) {
        for (int d = 0; d < D; d++) {
          mixedZ[k][d] += m[k * B + j] * Z[j * D + d];
        }
        mixedY[k][LABELS[j]] += m[k * B + j];
      }
    }
    double[][] logitGrad = new double[B][C];
    for (int k = 0; k < B; k++) {
      double[] logits = new double[C];
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < C; c++) {
        for (int d = 0; d < D; d++) {
          logits[c] += mixedZ[k][d] * W[d * C + c];
        }
        max = Math.max(max, logits[c]);
      }
      double sum = 0;
      for (int c = 0; c < C; c++) {
        sum += Math.exp(logits[c] - max);
      }
      for (int c = 0; c < C; c++) {
        logitGrad[k][c] = (Math.exp(logits[c] - max) / sum - mixedY[k][c]) / B;
      }
    }
    double[][] out = new double[B][D];
    for (int i = 0; i < B; i++) {
      for (int k = 0; k < B; k++) {
        for (int d = 0; d < D; d++) {
          double mixedRowGrad = 0;
          for (int c = 0; c < C; c++) {
            mixedRowGrad += logitGrad[k][c] * W[d * C + c];
          }
          out[i][d] += m[k * B + i] * mixedRowGrad;
        }
      }
    }
    return out;
  }
}
