package org.mpsl4j.privacy.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The leak AUC is the Mann–Whitney AUC folded at 0.5: worked out by hand on four samples. */
final class LeakAucTest {
  @Test
  void auc_countsOrderedPairs_tiesHalf() {
    // positives 0.9, 0.4; negatives 0.4, 0.1: pairs (0.9>0.4) (0.9>0.1) (0.4=0.4 → ½) (0.4>0.1) = 3.5 of 4
    double auc = LeakAuc.auc(new double[] {0.9, 0.4, 0.4, 0.1}, new boolean[] {true, true, false, false});
    assertThat(auc).isCloseTo(0.875, within(1e-12));
  }

  @Test
  void leak_foldsAReversedScore() {
    double leak = LeakAuc.leak(new double[] {0.1, 0.2, 0.8, 0.9}, new boolean[] {true, true, false, false});
    assertThat(leak).isEqualTo(1.0);
  }

  @Test
  void auc_oneClassOnly_isNaN() {
    assertThat(LeakAuc.auc(new double[] {1, 2}, new boolean[] {true, true})).isNaN();
  }
}
