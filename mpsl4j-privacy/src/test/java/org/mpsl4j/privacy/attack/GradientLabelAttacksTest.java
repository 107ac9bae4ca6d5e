package org.mpsl4j.privacy.attack;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The label attacks on hand-made gradient rows of the form (softmax − onehot)/B. */
final class GradientLabelAttacksTest {
  private static final float[][] ROWS = {
      {0.1f, -0.3f, 0.2f}, // label 1
      {-0.6f, 0.3f, 0.3f}, // label 0
      {0.2f, 0.3f, -0.5f}, // label 2
      {0.05f, -0.1f, 0.05f}, // label 1
  };
  private static final int[] LABELS = {1, 0, 2, 1};

  @Test
  void exactRule_readsTheOnlyNegativeEntry() {
    assertThat(GradientLabelAttacks.exactRule(ROWS)).containsExactly(LABELS);
  }

  @Test
  void nearestReference_namesRowsByTheirMostSimilarKnownSample() {
    float[][] refs = GradientLabelAttacks.references(ROWS, LABELS, 3, 1);
    assertThat(GradientLabelAttacks.accuracy(GradientLabelAttacks.nearestReference(ROWS, refs), LABELS)).isEqualTo(1.0);
  }

  @Test
  void purity_ofClustersThatFollowTheLabels_isOne_andOfOneCluster_isTheMajorityShare() {
    assertThat(GradientLabelAttacks.purity(new int[] {0, 1, 2, 0}, LABELS, 3)).isEqualTo(1.0);
    assertThat(GradientLabelAttacks.purity(new int[] {0, 0, 0, 0}, LABELS, 3)).isEqualTo(0.5);
  }

  @Test
  void clusters_separateRowsThatPointDifferentWays() {
    int[] c = GradientLabelAttacks.clusters(ROWS, 3, 7);
    assertThat(c[0]).isEqualTo(c[3]);
    assertThat(c[0]).isNotEqualTo(c[1]).isNotEqualTo(c[2]);
  }
}
