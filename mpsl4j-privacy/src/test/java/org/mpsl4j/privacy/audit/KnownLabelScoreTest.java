package org.mpsl4j.privacy.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The known-label centroid attack's scores on hand-made rows of an imbalanced task (80 % of one class). */
final class KnownLabelScoreTest {
  private static final int N = 1000;

  private static int[] labels() {
    int[] y = new int[N];
    for (int i = 0; i < N; i++) {
      y[i] = i % 10 < 8 ? 0 : 1 + i % 2; // 800 of class 0, 100 each of 1 and 2
    }
    return y;
  }

  private static int[] samples() {
    return java.util.stream.IntStream.range(0, N).toArray();
  }

  @Test
  void separableRows_areAllNamed_andTheKnownSamplesAreNotScored() {
    int[] y = labels();
    float[][] rows = new float[N][4];
    for (int i = 0; i < N; i++) {
      rows[i][y[i]] = 1;
    }
    KnownLabelScore s = KnownLabelScore.of(rows, samples(), y, 3, 5, 1);
    assertThat(s.accuracy()).isEqualTo(1.0);
    assertThat(s.balancedAccuracy()).isEqualTo(1.0);
    assertThat(s.leakAuc()).isEqualTo(1.0);
    assertThat(s.chance()).as("majority rate of the 985 unknown rows").isEqualTo(795.0 / 985);
  }

  @Test
  void noiseRows_readChanceInTheBalancedAccuracy_andNoLeakInTheAuc() {
    int[] y = labels();
    Random rng = new Random(5);
    float[][] rows = new float[N][16];
    for (float[] row : rows) {
      for (int j = 0; j < row.length; j++) {
        row[j] = (float) rng.nextGaussian();
      }
    }
    KnownLabelScore s = KnownLabelScore.of(rows, samples(), y, 3, 5, 1);
    // naming every class as often as the others puts the plain accuracy far below the 80 % majority rate
    assertThat(s.accuracy()).isLessThan(s.chance() - 0.3);
    assertThat(s.balancedAccuracy()).isCloseTo(1.0 / 3, within(0.06));
    assertThat(s.leakAuc()).isLessThan(0.56);
  }
}
