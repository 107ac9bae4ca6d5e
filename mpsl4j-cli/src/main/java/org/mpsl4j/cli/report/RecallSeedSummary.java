package org.mpsl4j.cli.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mpsl4j.engine.baselines.MethodResult;
import org.mpsl4j.model.retrieval.RecallAtK;

/**
 * One method's final Recall@1/5/10, both directions, over several seeds: mean ± sample standard deviation of each,
 * and of the mean R@1. Only runs that trained count; the others are counted in {@code untrainedSeeds}.
 *
 * @param seeds seeds whose run trained and has Recall@K (the means are over these)
 * @param forwardMean first → second modality, R@1/5/10 means (in [0, 1]); {@code forwardStd} their std
 * @param backwardMean second → first modality, likewise
 * @param meanR1Mean mean over seeds of each run's mean of both directions' R@1; {@code meanR1Std} its std
 * @param queries test pairs each run ranked (the same split for every seed)
 */
public record RecallSeedSummary(String label, int seeds, double[] forwardMean, double[] forwardStd,
    double[] backwardMean, double[] backwardStd, double meanR1Mean, double meanR1Std, long queries,
    int untrainedSeeds) {

  /** Groups the runs of every seed by label (in the order of the first seed's runs); runs without Recall@K are skipped. */
  public static List<RecallSeedSummary> of(List<List<MethodResult>> perSeed) {
    Map<String, List<MethodResult>> byLabel = new LinkedHashMap<>();
    for (List<MethodResult> seed : perSeed) {
      for (MethodResult r : seed) {
        if (!r.trained() || r.finalRecall() != null) {
          byLabel.computeIfAbsent(r.label(), k -> new ArrayList<>()).add(r);
        }
      }
    }
    List<RecallSeedSummary> out = new ArrayList<>();
    byLabel.forEach((label, all) -> {
      List<RecallAtK> recalls = all.stream().filter(MethodResult::trained).map(MethodResult::finalRecall).toList();
      int ks = RecallAtK.KS.length;
      double[] fm = new double[ks];
      double[] fs = new double[ks];
      double[] bm = new double[ks];
      double[] bs = new double[ks];
      for (int k = 0; k < ks; k++) {
        int at = k;
        double[] f = recalls.stream().mapToDouble(r -> r.forward()[at]).toArray();
        double[] b = recalls.stream().mapToDouble(r -> r.backward()[at]).toArray();
        fm[k] = SeedSummary.mean(f);
        fs[k] = SeedSummary.std(f);
        bm[k] = SeedSummary.mean(b);
        bs[k] = SeedSummary.std(b);
      }
      double[] r1 = recalls.stream().mapToDouble(RecallAtK::meanR1).toArray();
      long queries = recalls.isEmpty() ? 0 : recalls.get(0).queries();
      out.add(new RecallSeedSummary(label, recalls.size(), fm, fs, bm, bs, SeedSummary.mean(r1), SeedSummary.std(r1),
          queries, all.size() - recalls.size()));
    });
    return out;
  }

  /**
   * The Markdown section: every method's Recall@K in percent as mean ± std over the seeds, with the random-ranking
   * floor K/N.
   *
   * @param first the first modality's input name (queries of the → direction), {@code second} the other's
   * @param dataSeed the seed that drew the data (split and pair subset), the same for every seed of the list
   */
  public static String table(List<RecallSeedSummary> rows, List<Long> seeds, String first, String second,
      long dataSeed) {
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
        "%n## Retrieval over %d seeds (%s): Recall@K, mean ± sample standard deviation%n%n", seeds.size(),
        seeds.stream().map(String::valueOf).reduce((a, c) -> a + ", " + c).orElse("")));
    b.append("| method | ").append(first).append("→").append(second).append(" R@1 | R@5 | R@10 | ").append(second)
        .append("→").append(first).append(" R@1 | R@5 | R@10 | mean R@1 |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
    long n = 0;
    for (RecallSeedSummary s : rows) {
      b.append("| ").append(s.label());
      if (s.seeds() == 0) {
        b.append(" | not trained".repeat(7)).append(" |\n");
        continue;
      }
      n = s.queries();
      for (int k = 0; k < RecallAtK.KS.length; k++) {
        b.append(cell(s.forwardMean()[k], s.forwardStd()[k]));
      }
      for (int k = 0; k < RecallAtK.KS.length; k++) {
        b.append(cell(s.backwardMean()[k], s.backwardStd()[k]));
      }
      b.append(cell(s.meanR1Mean(), s.meanR1Std())).append(" |\n");
    }
    if (n > 0) {
      b.append(String.format(Locale.ROOT, "| random ranking (K/N) | %.2f %% | %.2f %% | %.2f %% | %.2f %% | %.2f %% |"
          + " %.2f %% | %.2f %% |%n", 100.0 / n, 500.0 / n, 1000.0 / n, 100.0 / n, 500.0 / n, 1000.0 / n, 100.0 / n));
    }
    b.append(String.format(Locale.ROOT, "%nEach seed draws its own model initialization, client partition and sample "
        + "orders; the train/test split and the %d test pairs are the same for every seed (drawn with --seed %d). "
        + "Final epoch's global model.%n", n, dataSeed));
    for (RecallSeedSummary s : rows) {
      if (s.untrainedSeeds() > 0) {
        b.append(String.format(Locale.ROOT, "%n%s did not train with %d of %d seeds; its row is over the other %d.%n",
            s.label(), s.untrainedSeeds(), s.untrainedSeeds() + s.seeds(), s.seeds()));
      }
    }
    return b.toString();
  }

  private static String cell(double mean, double std) {
    return String.format(Locale.ROOT, " | %.2f ± %.2f %%", 100 * mean, 100 * std);
  }
}
