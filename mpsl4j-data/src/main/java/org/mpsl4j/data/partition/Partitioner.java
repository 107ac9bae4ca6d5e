package org.mpsl4j.data.partition;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.apache.commons.math3.distribution.GammaDistribution;
import org.apache.commons.math3.random.RandomGenerator;
import org.apache.commons.math3.random.Well19937c;

/**
 * Splits a dataset's samples among clients: IID, label-skewed by a Dirichlet distribution, or by the data's natural
 * groups (speaker, subject). Every method is a pure function of its arguments and seed, so a run is reproducible.
 */
public final class Partitioner {

  /** How many times {@link #dirichlet} redraws before giving up on the minimum client size. */
  public static final int MAX_DIRICHLET_ATTEMPTS = 1000;

  private Partitioner() {
  }

  /** Shuffles {@code 0..n-1} with the seed and deals it into {@code clients} parts whose sizes differ by at most 1. */
  public static Partition iid(int n, int clients, long seed) {
    requirePositive("clients", clients);
    if (n < clients) {
      throw new IllegalArgumentException("cannot give " + clients + " clients at least one of " + n + " samples");
    }
    int[] order = shuffled(n, new Random(seed));
    List<int[]> parts = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int from = (int) ((long) n * c / clients);
      int to = (int) ((long) n * (c + 1) / clients);
      int[] part = Arrays.copyOfRange(order, from, to);
      Arrays.sort(part);
      parts.add(part);
    }
    return new Partition("iid(clients=" + clients + ", seed=" + seed + ")", parts);
  }

  /**
   * Label-skewed partition, as in NIID-Bench and the MPSL reference code (and Flower's {@code DirichletPartitioner}
   * with self-balancing): for each class, proportions {@code p ~ Dir(alpha, ..., alpha)} over the clients decide how
   * that class's shuffled samples are cut; a client that already holds more than {@code n / clients} samples gets no
   * share of later classes. The whole draw is repeated until every client has at least {@code minPerClient} samples.
   * Small {@code alpha} (0.1) gives each client few classes; large (1e5) approaches IID.
   *
   * @param labels       class index per sample
   * @param numClasses   number of classes
   * @param clients      number of clients
   * @param alpha        Dirichlet concentration, > 0 (reference: 0.5)
   * @param minPerClient minimum samples per client (reference: 10)
   * @param seed         seeds the shuffles and the Dirichlet draws
   * @throws IllegalArgumentException if no draw satisfies the minimum within {@value #MAX_DIRICHLET_ATTEMPTS} tries
   */
  public static Partition dirichlet(int[] labels, int numClasses, int clients, double alpha, int minPerClient,
      long seed) {
    requirePositive("clients", clients);
    requirePositive("numClasses", numClasses);
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw new IllegalArgumentException("alpha must be a positive finite number but was " + alpha);
    }
    if (minPerClient < 0) {
      throw new IllegalArgumentException("minPerClient must be >= 0 but was " + minPerClient);
    }
    int n = labels.length;
    if ((long) minPerClient * clients > n) {
      throw new IllegalArgumentException("cannot give " + clients + " clients at least " + minPerClient
          + " samples each out of " + n + " (lower --min-per-client or --clients)");
    }
    List<List<Integer>> byClass = new ArrayList<>();
    for (int k = 0; k < numClasses; k++) {
      byClass.add(new ArrayList<>());
    }
    for (int i = 0; i < n; i++) {
      if (labels[i] < 0 || labels[i] >= numClasses) {
        throw new IllegalArgumentException("label " + labels[i] + " of sample " + i + " is outside 0.."
            + (numClasses - 1));
      }
      byClass.get(labels[i]).add(i);
    }
    Random random = new Random(seed);
    RandomGenerator gammaRng = new Well19937c(seed);
    GammaDistribution gamma = new GammaDistribution(gammaRng, alpha, 1.0);
    double cap = n / (double) clients;
    for (int attempt = 1; attempt <= MAX_DIRICHLET_ATTEMPTS; attempt++) {
      List<List<Integer>> parts = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        parts.add(new ArrayList<>());
      }
      for (List<Integer> members : byClass) {
        int[] idx = members.stream().mapToInt(Integer::intValue).toArray();
        shuffle(idx, random);
        double[] p = dirichletDraw(gamma, clients, random);
        double sum = 0;
        for (int c = 0; c < clients; c++) {
          if (parts.get(c).size() >= cap) {
            p[c] = 0; // balancing: a full client takes no more
          }
          sum += p[c];
        }
        if (sum == 0) {
          p = fallbackToSmallest(parts);
          sum = 1;
        }
        // Cut points: floor of the cumulative proportions, as numpy's (cumsum * len).astype(int) does.
        double cumulative = 0;
        int from = 0;
        for (int c = 0; c < clients; c++) {
          cumulative += p[c] / sum;
          int to = c == clients - 1 ? idx.length : (int) Math.min(idx.length, Math.floor(cumulative * idx.length));
          for (int j = from; j < to; j++) {
            parts.get(c).add(idx[j]);
          }
          from = Math.max(from, to);
        }
      }
      int smallest = parts.stream().mapToInt(List::size).min().orElse(0);
      if (smallest >= minPerClient) {
        List<int[]> out = new ArrayList<>();
        for (List<Integer> part : parts) {
          int[] a = part.stream().mapToInt(Integer::intValue).toArray();
          Arrays.sort(a);
          out.add(a);
        }
        return new Partition("dirichlet(alpha=" + alpha + ", clients=" + clients + ", min=" + minPerClient
            + ", seed=" + seed + ", attempts=" + attempt + ")", out);
      }
    }
    throw new IllegalArgumentException("no Dirichlet(alpha=" + alpha + ") partition of " + n + " samples gave all "
        + clients + " clients at least " + minPerClient + " samples in " + MAX_DIRICHLET_ATTEMPTS
        + " attempts; raise alpha or lower the minimum or the number of clients");
  }

  /** One client per distinct group value (e.g. speaker, subject), clients ordered by group value. */
  public static Partition natural(int[] groups) {
    TreeMap<Integer, List<Integer>> byGroup = byGroup(groups);
    List<int[]> parts = new ArrayList<>();
    for (List<Integer> members : byGroup.values()) {
      parts.add(members.stream().mapToInt(Integer::intValue).toArray());
    }
    return new Partition("natural(groups=" + byGroup.size() + ")", parts);
  }

  /**
   * {@code shardsPerGroup} clients per natural group: each group's samples are shuffled with the seed and dealt into
   * equal shards, e.g. 6 speakers x 5 shards = 30 clients whose data never mixes speakers.
   */
  public static Partition natural(int[] groups, int shardsPerGroup, long seed) {
    requirePositive("shardsPerGroup", shardsPerGroup);
    TreeMap<Integer, List<Integer>> byGroup = byGroup(groups);
    Random random = new Random(seed);
    List<int[]> parts = new ArrayList<>();
    for (var e : byGroup.entrySet()) {
      int[] idx = e.getValue().stream().mapToInt(Integer::intValue).toArray();
      if (idx.length < shardsPerGroup) {
        throw new IllegalArgumentException("group " + e.getKey() + " has " + idx.length + " samples, fewer than "
            + shardsPerGroup + " shards");
      }
      shuffle(idx, random);
      for (int s = 0; s < shardsPerGroup; s++) {
        int[] shard = Arrays.copyOfRange(idx, idx.length * s / shardsPerGroup, idx.length * (s + 1) / shardsPerGroup);
        Arrays.sort(shard);
        parts.add(shard);
      }
    }
    return new Partition("natural(groups=" + byGroup.size() + ", shards=" + shardsPerGroup + ", seed=" + seed + ")",
        parts);
  }

  private static TreeMap<Integer, List<Integer>> byGroup(int[] groups) {
    TreeMap<Integer, List<Integer>> byGroup = new TreeMap<>();
    for (int i = 0; i < groups.length; i++) {
      if (groups[i] < 0) {
        throw new IllegalArgumentException("sample " + i + " has no natural group (-1); this dataset cannot be"
            + " partitioned naturally (use iid or dirichlet)");
      }
      byGroup.computeIfAbsent(groups[i], g -> new ArrayList<>()).add(i);
    }
    if (byGroup.isEmpty()) {
      throw new IllegalArgumentException("no samples to partition");
    }
    return byGroup;
  }

  /** Dirichlet(alpha) sample via normalized Gamma(alpha, 1) draws; if all underflow to 0, one random client. */
  private static double[] dirichletDraw(GammaDistribution gamma, int k, Random random) {
    double[] p = new double[k];
    double sum = 0;
    for (int c = 0; c < k; c++) {
      p[c] = gamma.sample();
      sum += p[c];
    }
    if (sum == 0 || !Double.isFinite(sum)) {
      Arrays.fill(p, 0);
      p[random.nextInt(k)] = 1;
    }
    return p;
  }

  /** When every client is full: give the class to the clients with the fewest samples. */
  private static double[] fallbackToSmallest(List<List<Integer>> parts) {
    int min = parts.stream().mapToInt(List::size).min().orElse(0);
    double[] p = new double[parts.size()];
    for (int c = 0; c < p.length; c++) {
      p[c] = parts.get(c).size() == min ? 1 : 0;
    }
    double sum = Arrays.stream(p).sum();
    for (int c = 0; c < p.length; c++) {
      p[c] /= sum;
    }
    return p;
  }

  private static int[] shuffled(int n, Random random) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    shuffle(order, random);
    return order;
  }

  private static void shuffle(int[] a, Random random) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  private static void requirePositive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be >= 1 but was " + value);
    }
  }
}
