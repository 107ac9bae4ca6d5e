package org.mpsl4j.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

final class ConfusionMatrixTest {
  // true:      0 0 0 1 1 2
  // predicted: 0 0 1 1 2 2   -> class 0: p 2/2 r 2/3; class 1: p 1/2 r 1/2; class 2: p 1/2 r 1/1
  private final ConfusionMatrix m = ConfusionMatrix.of(new int[] {0, 0, 0, 1, 1, 2}, new int[] {0, 0, 1, 1, 2, 2}, 3);

  @Test
  void counts_rowsAreTrueClasses_columnsArePredictions() {
    assertThat(m.count(0, 1)).isEqualTo(1);
    assertThat(m.count(1, 0)).isZero();
    assertThat(m.total()).isEqualTo(6);
    assertThat(m.support(0)).isEqualTo(3);
  }

  @Test
  void accuracy_isTheDiagonalShare() {
    assertThat(m.accuracy()).isCloseTo(4 / 6.0, within(1e-12));
  }

  @Test
  void precisionRecallF1_perClass() {
    assertThat(m.precision(0)).isEqualTo(1.0);
    assertThat(m.recall(0)).isCloseTo(2 / 3.0, within(1e-12));
    assertThat(m.f1(0)).isCloseTo(0.8, within(1e-12));
    assertThat(m.precision(2)).isEqualTo(0.5);
    assertThat(m.recall(2)).isEqualTo(1.0);
  }

  @Test
  void classNeverPredictedNorPresent_hasZeroNotNaN() {
    ConfusionMatrix empty = ConfusionMatrix.of(new int[] {0}, new int[] {0}, 2);
    assertThat(empty.precision(1)).isZero();
    assertThat(empty.recall(1)).isZero();
    assertThat(empty.f1(1)).isZero();
  }

  @Test
  void argmax_takesTheLargestLogitPerRow() {
    assertThat(ConfusionMatrix.argmax(new float[] {0.1f, 2f, -1f, 5f, 4f, 5f}, 3)).containsExactly(1, 0);
  }
}
