package org.mpsl4j.cli.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.mpsl4j.engine.baselines.MethodResult;
import org.mpsl4j.model.retrieval.RecallAtK;

/**
 * The retrieval part of a comparison: Recall@1/5/10 of each method's final global model on the test split,
 * both directions, as a Markdown table (with the random-ranking floor K/N) and a grouped bar plot.
 */
public final class RetrievalReport {
  private RetrievalReport() {}

  static {
    System.setProperty("java.awt.headless", "true");
  }

  /**
   * The Recall@K table of the results that have one.
   *
   * @param first the first modality's input name (e.g. image): queries of the → direction
   * @param second the second's (e.g. text)
   */
  public static String section(List<MethodResult> results, String first, String second) {
    StringBuilder b = new StringBuilder("\n## Retrieval: Recall@K on the test split\n\n");
    String fwd = first + "→" + second;
    String bwd = second + "→" + first;
    b.append("| method | ").append(fwd).append(" R@1 | R@5 | R@10 | ").append(bwd)
        .append(" R@1 | R@5 | R@10 | mean R@1 |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
    long n = 0;
    for (MethodResult r : results) {
      if (!r.trained()) {
        b.append("| ").append(r.label()).append(" | not trained".repeat(7)).append(" |\n");
        continue;
      }
      RecallAtK k = r.finalRecall();
      if (k == null) {
        continue;
      }
      n = k.queries();
      b.append(String.format(Locale.ROOT, "| %s | %.2f %% | %.2f %% | %.2f %% | %.2f %% | %.2f %% | %.2f %% | %.2f %% |%n",
          r.label(), 100 * k.forward()[0], 100 * k.forward()[1], 100 * k.forward()[2], 100 * k.backward()[0],
          100 * k.backward()[1], 100 * k.backward()[2], 100 * k.meanR1()));
    }
    if (n > 0) {
      b.append(String.format(Locale.ROOT, "| random ranking (K/N) | %.2f %% | %.2f %% | %.2f %% | %.2f %% | %.2f %% |"
          + " %.2f %% | %.2f %% |%n", 100.0 / n, 500.0 / n, 1000.0 / n, 100.0 / n, 500.0 / n, 1000.0 / n, 100.0 / n));
      b.append("\nEach of the ").append(n).append(" test pairs queries all ").append(n)
          .append(" candidates of the other modality; R@K is the fraction whose own partner ranks in the top K. "
              + "Final epoch's global model.\n");
    }
    return b.toString();
  }

  /** {@code recall.png}: R@1/5/10 (mean of both directions) per method; returns the file name. */
  public static String plot(Path dir, List<MethodResult> results) throws IOException {
    List<MethodResult> with = results.stream().filter(r -> r.finalRecall() != null).toList();
    List<String> names = with.stream().map(MethodResult::label).toList();
    CategoryChart chart = CategoryLabels.chart(new CategoryChartBuilder()
        .title("Retrieval on the test split (mean of both directions)").yAxisTitle("Recall@K (%)"), 900, 560, names);
    for (int i = 0; i < RecallAtK.KS.length; i++) {
      int at = i;
      List<Double> values = new ArrayList<>();
      for (MethodResult r : with) {
        RecallAtK k = r.finalRecall();
        values.add(50 * (k.forward()[at] + k.backward()[at]));
      }
      chart.addSeries("R@" + RecallAtK.KS[at], names, values);
    }
    BitmapEncoder.saveBitmap(chart, dir.resolve("recall.png").toString(), BitmapEncoder.BitmapFormat.PNG);
    return "recall.png";
  }
}
