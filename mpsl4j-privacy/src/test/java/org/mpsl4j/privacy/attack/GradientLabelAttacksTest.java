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
  void knownSamples_givesPerClassDistinctSamples_eachWithAllOfItsRows() {
    // 6 samples (ids 10..15) of 2 classes, each with a row in each of 3 epochs
    int[] samples = new int[18];
    int[] labels = new int[18];
    for (int i = 0; i < 18; i++) {
      samples[i] = 10 + i % 6;
      labels[i] = (i % 6) % 2;
    }
    java.util.Set<Integer> known = GradientLabelAttacks.knownSamples(samples, labels, 2, 2, 5);
    assertThat(known).hasSize(4);
    assertThat(known.stream().filter(id -> (id - 10) % 2 == 0)).hasSize(2);
  }

  @Test
  void centroids_ofTenKnownSamplesPerClass_readNoisyRowsThatOneKnownSampleCannot() {
    // 900 rows of 3 classes in 16 dimensions: e_c plus noise of std 0.7 per entry (noise norm about 2.8 times the
    // signal's), one row per sample
    java.util.Random rng = new java.util.Random(11);
    int n = 900;
    float[][] rows = new float[n][16];
    int[] labels = new int[n];
    int[] samples = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = i % 3;
      samples[i] = i;
      for (int j = 0; j < 16; j++) {
        rows[i][j] = (float) ((j == labels[i] ? 1 : 0) + 0.7 * rng.nextGaussian());
      }
    }
    double one = GradientLabelAttacks.accuracy(GradientLabelAttacks.nearestReference(rows,
        GradientLabelAttacks.references(rows, labels, 3, 1)), labels);
    java.util.Set<Integer> known = GradientLabelAttacks.knownSamples(samples, labels, 3, 10, 1);
    double centroids = GradientLabelAttacks.accuracy(GradientLabelAttacks.nearestReference(rows,
        GradientLabelAttacks.centroids(rows, samples, labels, known, 3)), labels);
    assertThat(centroids).as("ten known per class (one known: %.3f)", one).isGreaterThan(0.6)
        .isGreaterThan(one + 0.1);
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
