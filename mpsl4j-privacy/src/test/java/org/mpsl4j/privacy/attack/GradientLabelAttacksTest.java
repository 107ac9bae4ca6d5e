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

  @Test
  void batchSumClusters_readTheBatchLabelThatZeroSumNoiseLeaves_whereRowClustersCannot() {
    // 60 batches of 4 rows, each batch of one class (the direction e_c / 4 per row) with noise 20 times a row's norm
    // that sums to zero over the batch: the rows are noise, their sum is exactly e_c
    java.util.Random rng = new java.util.Random(3);
    java.util.List<float[][]> batches = new java.util.ArrayList<>();
    int[] labels = new int[60 * 4];
    java.util.List<float[]> allRows = new java.util.ArrayList<>();
    for (int b = 0; b < 60; b++) {
      int c = b % 3;
      float[][] rows = new float[4][8];
      for (int j = 0; j < 8; j++) {
        double[] n = new double[4];
        double mean = 0;
        for (int i = 0; i < 4; i++) {
          n[i] = 5 * rng.nextGaussian();
          mean += n[i] / 4;
        }
        for (int i = 0; i < 4; i++) {
          rows[i][j] = (float) ((j == c ? 0.25 : 0) + n[i] - mean);
        }
      }
      for (int i = 0; i < 4; i++) {
        labels[b * 4 + i] = c;
        allRows.add(rows[i]);
      }
      batches.add(rows);
    }

    double bySums = GradientLabelAttacks.purity(GradientLabelAttacks.batchSumClusters(batches, 3, 7), labels, 3);
    double byRows = GradientLabelAttacks.purity(
        GradientLabelAttacks.clusters(allRows.toArray(new float[0][]), 3, 7), labels, 3);

    assertThat(bySums).as("purity of the batch-sum clusters").isEqualTo(1.0);
    assertThat(byRows).as("purity of the row clusters (chance: 1/3)").isLessThan(0.6);
  }
}
