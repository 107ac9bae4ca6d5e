package org.mpsl4j.privacy.attack;

import java.util.Arrays;
import java.util.Random;

/**
 * Label attacks on per-sample gradient rows the server receives (output gradients; with the head on the client,
 * gradients with respect to the pooled representation).
 *
 * <ul>
 *   <li><b>Exact rule</b>: with the head on the server a row is (softmax − onehot)/B, whose only negative entry is
 *       the label: argmin.
 *   <li><b>Norm</b> (Li et al. 2022): the row's L2 norm as a score; samples of rarer or harder classes get larger
 *       gradients.
 *   <li><b>Direction</b> (Li et al. 2022): the attacker knows one labelled sample per class (their assumption) and
 *       scores each row by its cosine similarity with that sample's row; the class of the most similar reference is
 *       the guess.
 *   <li><b>Known-label centroids</b>: a stronger attacker than Li et al.'s, who knows the labels of a few samples
 *       per class (say from its own accounts among the clients): the mean of their unit-length rows per class is the
 *       reference, so noise on each known row averages out; the class of the most similar centroid is the guess.
 *   <li><b>Clustering</b> (arXiv 2203.05222): k-means with k = classes on unit-length rows; reported as purity, the
 *       accuracy of naming every cluster by its majority label. Purity names clusters with the true labels, which no
 *       server has: it measures how well the rows separate, an upper bound on naming by a few known labels.
 * </ul>
 */
public final class GradientLabelAttacks {
  private GradientLabelAttacks() {}

  /** The index of the smallest entry of each row. */
  public static int[] exactRule(float[][] rows) {
    int[] out = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      int best = 0;
      for (int j = 1; j < rows[i].length; j++) {
        if (rows[i][j] < rows[i][best]) {
          best = j;
        }
      }
      out[i] = best;
    }
    return out;
  }

  public static double[] norms(float[][] rows) {
    double[] out = new double[rows.length];
    for (int i = 0; i < rows.length; i++) {
      out[i] = Math.sqrt(dot(rows[i], rows[i]));
    }
    return out;
  }

  /** Cosine similarity of each row with {@code reference}. */
  public static double[] cosine(float[][] rows, float[] reference) {
    double refNorm = Math.sqrt(dot(reference, reference));
    double[] out = new double[rows.length];
    for (int i = 0; i < rows.length; i++) {
      double n = Math.sqrt(dot(rows[i], rows[i])) * refNorm;
      out[i] = n == 0 ? 0 : dot(rows[i], reference) / n;
    }
    return out;
  }

  /**
   * One reference row per class: the first row of each class in a seeded shuffle (the attacker's few known labels),
   * or null for a class without rows.
   */
  public static float[][] references(float[][] rows, int[] labels, int classes, long seed) {
    float[][] refs = new float[classes][];
    for (int i : shuffledOrder(rows.length, seed)) {
      if (refs[labels[i]] == null) {
        refs[labels[i]] = rows[i];
      }
    }
    return refs;
  }

  /**
   * Samples whose labels the attacker knows: the first {@code perClass} distinct samples of each class in a seeded
   * shuffle of the rows ({@code samples}[i] names the sample of row i; a sample's rows from every epoch are then
   * known). Returns the known sample ids.
   */
  public static java.util.Set<Integer> knownSamples(int[] samples, int[] labels, int classes, int perClass,
      long seed) {
    int[] taken = new int[classes];
    java.util.Set<Integer> known = new java.util.HashSet<>();
    for (int i : shuffledOrder(samples.length, seed)) {
      if (taken[labels[i]] < perClass && known.add(samples[i])) {
        taken[labels[i]]++;
      }
    }
    return known;
  }

  /**
   * Per class, the mean of the unit-length rows whose sample is in {@code known}, or null for a class without one:
   * the references of the known-label centroid attack ({@link #nearestReference} then names each row).
   */
  public static float[][] centroids(float[][] rows, int[] samples, int[] labels, java.util.Set<Integer> known,
      int classes) {
    float[][] sums = new float[classes][];
    for (int i = 0; i < rows.length; i++) {
      if (!known.contains(samples[i])) {
        continue;
      }
      double n = Math.sqrt(dot(rows[i], rows[i]));
      if (n == 0) {
        continue;
      }
      float[] sum = sums[labels[i]] == null ? (sums[labels[i]] = new float[rows[i].length]) : sums[labels[i]];
      for (int j = 0; j < sum.length; j++) {
        sum[j] += (float) (rows[i][j] / n);
      }
    }
    return sums; // a sum has the direction of the mean, which is all a cosine reads
  }

  /** The row indices 0..n-1 in a seeded shuffle: the order in which an attacker's known samples are drawn. */
  private static Integer[] shuffledOrder(int n, long seed) {
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    java.util.Collections.shuffle(Arrays.asList(order), new Random(seed));
    return order;
  }

  /** The class of the most cosine-similar reference for each row. */
  public static int[] nearestReference(float[][] rows, float[][] refs) {
    int[] out = new int[rows.length];
    double[] best = new double[rows.length];
    Arrays.fill(best, Double.NEGATIVE_INFINITY);
    for (int c = 0; c < refs.length; c++) {
      if (refs[c] == null) {
        continue;
      }
      double[] s = cosine(rows, refs[c]);
      for (int i = 0; i < rows.length; i++) {
        if (s[i] > best[i]) {
          best[i] = s[i];
          out[i] = c;
        }
      }
    }
    return out;
  }

  /** The k-means cluster of each unit-length row (k-means++ start, seeded; at most 100 iterations). */
  public static int[] clusters(float[][] rows, int k, long seed) {
    java.util.List<Point> points = new java.util.ArrayList<>();
    for (int i = 0; i < rows.length; i++) {
      double n = Math.sqrt(dot(rows[i], rows[i]));
      double[] x = new double[rows[i].length];
      for (int j = 0; j < x.length; j++) {
        x[j] = n == 0 ? 0 : rows[i][j] / n;
      }
      points.add(new Point(x, i));
    }
    org.apache.commons.math3.ml.clustering.KMeansPlusPlusClusterer<Point> km =
        new org.apache.commons.math3.ml.clustering.KMeansPlusPlusClusterer<>(Math.min(k, rows.length), 100,
            new org.apache.commons.math3.ml.distance.EuclideanDistance(),
            new org.apache.commons.math3.random.JDKRandomGenerator((int) seed));
    int[] out = new int[rows.length];
    int c = 0;
    for (org.apache.commons.math3.ml.clustering.CentroidCluster<Point> cluster : km.cluster(points)) {
      for (Point p : cluster.getPoints()) {
        out[p.index] = c;
      }
      c++;
    }
    return out;
  }

  /**
   * The batch-sum attack: k-means (as {@link #clusters}) on the sum of each batch's rows, each sample given its batch's
   * cluster, in the order of {@code batches} and their rows. It reads what survives noise that sums to zero over a
   * batch (or any per-row noise, averaged over the batch): under non-IID data a batch's sum points to its majority
   * class.
   */
  public static int[] batchSumClusters(java.util.List<float[][]> batches, int k, long seed) {
    float[][] sums = new float[batches.size()][];
    int samples = 0;
    for (int i = 0; i < sums.length; i++) {
      float[][] rows = batches.get(i);
      sums[i] = new float[rows.length == 0 ? 0 : rows[0].length];
      for (float[] row : rows) {
        for (int j = 0; j < row.length; j++) {
          sums[i][j] += row[j];
        }
      }
      samples += rows.length;
    }
    int[] byBatch = clusters(sums, k, seed);
    int[] out = new int[samples];
    int at = 0;
    for (int i = 0; i < sums.length; i++) {
      for (int r = 0; r < batches.get(i).length; r++) {
        out[at++] = byBatch[i];
      }
    }
    return out;
  }

  /**
   * Purity: the accuracy of naming each cluster by its majority label. Some purity comes from cluster sizes alone;
   * compare it with the purity of the same clusters against shuffled labels.
   */
  public static double purity(int[] clusters, int[] labels, int classes) {
    int k = java.util.Arrays.stream(clusters).max().orElse(-1) + 1;
    int[][] counts = new int[k][classes];
    for (int i = 0; i < labels.length; i++) {
      counts[clusters[i]][labels[i]]++;
    }
    int majority = 0;
    for (int[] row : counts) {
      majority += Arrays.stream(row).max().orElse(0);
    }
    return labels.length == 0 ? Double.NaN : (double) majority / labels.length;
  }

  /** Share of guesses equal to the labels. */
  public static double accuracy(int[] guess, int[] labels) {
    int hit = 0;
    for (int i = 0; i < labels.length; i++) {
      hit += guess[i] == labels[i] ? 1 : 0;
    }
    return labels.length == 0 ? Double.NaN : (double) hit / labels.length;
  }

  private record Point(double[] point, int index) implements org.apache.commons.math3.ml.clustering.Clusterable {
    @Override
    public double[] getPoint() {
      return point;
    }
  }

  static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }
}
