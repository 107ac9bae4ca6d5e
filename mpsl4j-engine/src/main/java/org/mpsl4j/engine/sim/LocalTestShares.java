package org.mpsl4j.engine.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.mpsl4j.data.partition.Partition;

/**
 * Splits a test set into per-client local test shares that follow each client's own class mix: the
 * test samples of class c are dealt to clients in proportion to how many training samples of class c
 * each holds. A personalized model is then scored on data like its own, as in the MPSL paper.
 */
public final class LocalTestShares {
  private LocalTestShares() {}

  public static List<int[]> split(Partition train, int[] trainLabels, int[] testLabels, int numClasses, long seed) {
    int clients = train.numClients();
    long[][] trainCounts = new long[numClasses][clients];
    for (int k = 0; k < clients; k++) {
      for (int i : train.client(k)) {
        trainCounts[trainLabels[i]][k]++;
      }
    }
    List<List<Integer>> shares = new ArrayList<>();
    for (int k = 0; k < clients; k++) {
      shares.add(new ArrayList<>());
    }
    Random rng = new Random(seed);
    for (int c = 0; c < numClasses; c++) {
      List<Integer> ofClass = new ArrayList<>();
      for (int i = 0; i < testLabels.length; i++) {
        if (testLabels[i] == c) {
          ofClass.add(i);
        }
      }
      java.util.Collections.shuffle(ofClass, rng);
      long total = 0;
      for (long n : trainCounts[c]) {
        total += n;
      }
      if (total == 0) {
        continue;
      }
      // Cumulative proportional cut points, so every test sample goes to exactly one client.
      long cumulative = 0;
      int from = 0;
      for (int k = 0; k < clients; k++) {
        cumulative += trainCounts[c][k];
        int to = (int) (ofClass.size() * cumulative / total);
        shares.get(k).addAll(ofClass.subList(from, to));
        from = to;
      }
    }
    List<int[]> out = new ArrayList<>();
    for (List<Integer> s : shares) {
      out.add(s.stream().mapToInt(Integer::intValue).sorted().toArray());
    }
    return out;
  }
}
