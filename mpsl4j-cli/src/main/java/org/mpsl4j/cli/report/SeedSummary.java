package org.mpsl4j.cli.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.mpsl4j.engine.baselines.MethodResult;

/**
 * One method's figures over several seeds (each seed draws its own model, partition and orders): test
 * accuracy per epoch, final and best, as mean ± sample standard deviation, and mean traffic. Only the seeds
 * whose run trained count in the means; the others are counted in {@code untrainedSeeds}.
 *
 * @param seeds seeds whose run trained (the means are over these)
 * @param epochMean mean test accuracy after each epoch, {@code epochStd} its standard deviation
 * @param missedRepliesMean client replies missed per run (deadline or refused), mean over the trained seeds
 * @param untrainedSeeds seeds whose run did not train ({@link MethodResult#failure})
 */
public record SeedSummary(String label, int seeds, double finalMean, double finalStd, double bestMean, double bestStd,
    double kibPerClientEpoch, double wallSecondsMean, double[] epochMean, double[] epochStd, double missedRepliesMean,
    int untrainedSeeds) {

  static {
    System.setProperty("java.awt.headless", "true");
  }

  /** Groups the runs of every seed by label (in the order of the first seed's runs). */
  public static List<SeedSummary> of(List<List<MethodResult>> perSeed) {
    Map<String, List<MethodResult>> byLabel = new LinkedHashMap<>();
    for (List<MethodResult> seed : perSeed) {
      for (MethodResult r : seed) {
        byLabel.computeIfAbsent(r.label(), k -> new ArrayList<>()).add(r);
      }
    }
    List<SeedSummary> out = new ArrayList<>();
    byLabel.forEach((label, all) -> {
      List<MethodResult> runs = all.stream().filter(MethodResult::trained).toList();
      int epochs = runs.stream().mapToInt(r -> r.epochs().size()).min().orElse(0);
      double[] mean = new double[epochs];
      double[] std = new double[epochs];
      for (int e = 0; e < epochs; e++) {
        int ep = e;
        double[] acc = runs.stream().mapToDouble(r -> r.epochs().get(ep).testAccuracy()).toArray();
        mean[e] = mean(acc);
        std[e] = std(acc);
      }
      double[] fin = runs.stream().mapToDouble(MethodResult::finalAccuracy).toArray();
      double[] best = runs.stream().mapToDouble(MethodResult::bestAccuracy).toArray();
      double kib = runs.stream().mapToDouble(r -> r.meanBytesUpPerClientPerEpoch() + r.meanBytesDownPerClientPerEpoch())
          .average().orElse(0) / 1024;
      double wall = runs.stream().mapToDouble(MethodResult::wallSeconds).average().orElse(0);
      double missed = runs.stream().mapToInt(MethodResult::missedReplies).average().orElse(Double.NaN);
      out.add(new SeedSummary(label, runs.size(), mean(fin), std(fin), mean(best), std(best), kib, wall, mean, std,
          missed, all.size() - runs.size()));
    });
    return out;
  }

  /** The Markdown table: accuracies in percent as mean ± std over the seeds. */
  public static String table(List<SeedSummary> rows, List<Long> seeds) {
    return table(rows, seeds, "test acc");
  }

  /** As above, naming the score {@code metric} (e.g. {@code mean R@1} for retrieval). */
  public static String table(List<SeedSummary> rows, List<Long> seeds, String metric) {
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
        "Over %d seeds (%s): %s of the global model, mean ± sample standard deviation.%n%n", seeds.size(),
        seeds.stream().map(String::valueOf).reduce((a, c) -> a + ", " + c).orElse(""),
        metric.equals("test acc") ? "test accuracy" : metric));
    b.append("| method | final " + metric + " | best " + metric + " | missed client replies (mean) | KiB up + down per client-epoch "
        + "| wall time (mean) |\n");
    b.append("|---|---:|---:|---:|---:|---:|\n");
    for (SeedSummary s : rows) {
      if (s.seeds() == 0) {
        b.append("| ").append(s.label()).append(" | not trained | not trained | – | – | – |\n");
        continue;
      }
      b.append(String.format(Locale.ROOT, "| %s | %.2f ± %.2f %% | %.2f ± %.2f %% | %.1f | %,.1f | %.1f s |%n", s.label(),
          100 * s.finalMean(), 100 * s.finalStd(), 100 * s.bestMean(), 100 * s.bestStd(), s.missedRepliesMean(),
          s.kibPerClientEpoch(), s.wallSecondsMean()));
    }
    for (SeedSummary s : rows) {
      if (s.untrainedSeeds() > 0) {
        b.append(String.format(Locale.ROOT, "%n%s did not train with %d of %d seeds; its row is over the other %d.%n",
            s.label(), s.untrainedSeeds(), s.untrainedSeeds() + s.seeds(), s.seeds()));
      }
    }
    return b.toString();
  }

  /** Test accuracy per epoch, mean over seeds with ± one standard deviation as error bars. */
  public static String plot(Path dir, List<SeedSummary> rows) throws IOException {
    XYChart chart = new XYChartBuilder().width(900).height(560)
        .title("Test accuracy of the global model (mean ± std over seeds)").xAxisTitle("epoch (round)")
        .yAxisTitle("test accuracy (%)").build();
    for (SeedSummary s : rows) {
      if (s.seeds() == 0) {
        continue; // not trained with any seed: nothing to draw
      }
      double[] x = new double[s.epochMean().length];
      double[] y = new double[x.length];
      double[] err = new double[x.length];
      for (int e = 0; e < x.length; e++) {
        x[e] = e + 1;
        y[e] = 100 * s.epochMean()[e];
        err[e] = 100 * s.epochStd()[e];
      }
      chart.addSeries(s.label(), x, y, err);
    }
    BitmapEncoder.saveBitmap(chart, dir.resolve("accuracy-seeds.png").toString(), BitmapEncoder.BitmapFormat.PNG);
    return "accuracy-seeds.png";
  }

  static double mean(double[] v) {
    return java.util.Arrays.stream(v).average().orElse(Double.NaN);
  }

  /** Sample standard deviation (n − 1); 0 for a single value. */
  static double std(double[] v) {
    if (v.length < 2) {
      return 0;
    }
    double m = mean(v);
    double ss = 0;
    for (double x : v) {
      ss += (x - m) * (x - m);
    }
    return Math.sqrt(ss / (v.length - 1));
  }
}
