package org.mpsl4j.engine.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Randomized response keeps a label with probability e^ε / (e^ε + C − 1), the same answer for a sample every time. */
final class RandomizedResponseTest {
  @Test
  void keepRate_matchesTheFormula() {
    RandomizedResponse rr = new RandomizedResponse(1.0, 10, 3);
    double expected = Math.E / (Math.E + 9);
    assertThat(rr.keepProbability()).isCloseTo(expected, within(1e-12));
    int kept = 0;
    int[] others = new int[10];
    int n = 50_000;
    for (int i = 0; i < n; i++) {
      int a = rr.answer(i, 4);
      kept += a == 4 ? 1 : 0;
      others[a]++;
    }
    assertThat((double) kept / n).isCloseTo(expected, within(0.01));
    double otherShare = (1 - expected) / 9;
    for (int c = 0; c < 10; c++) {
      if (c != 4) {
        assertThat((double) others[c] / n).as("share of class %d", c).isCloseTo(otherShare, within(0.01));
      }
    }
  }

  @Test
  void answer_isFixedPerSample_soEpochsCannotAverageItAway() {
    RandomizedResponse rr = new RandomizedResponse(0.5, 5, 11);
    for (int i = 0; i < 100; i++) {
      assertThat(rr.answer(i, 2)).isEqualTo(rr.answer(i, 2));
    }
  }

  @Test
  void infiniteEpsilon_keepsEveryLabel() {
    RandomizedResponse rr = new RandomizedResponse(Double.POSITIVE_INFINITY, 10, 1);
    for (int i = 0; i < 100; i++) {
      assertThat(rr.answer(i, 7)).isEqualTo(7);
    }
  }
}
