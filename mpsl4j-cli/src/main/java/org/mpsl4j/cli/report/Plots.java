package org.mpsl4j.cli.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.mpsl4j.engine.baselines.MethodResult;

/**
 * The comparison's PNG plots (XChart, headless): test accuracy per epoch, bytes per client per epoch
 * and client MACs per sample (log scales where the methods differ by orders of magnitude).
 */
public final class Plots {
  private Plots() {}

  static {
    System.setProperty("java.awt.headless", "true");
  }

  /**
   * Writes the three plots into {@code dir}; returns their file names. A method that did not train is left out (the
   * report names it and says why).
   */
  public static List<String> write(Path dir, List<MethodResult> all) throws IOException {
    List<MethodResult> results = all.stream().filter(MethodResult::trained).toList();
    List<String> files = new ArrayList<>();
    files.add(accuracy(dir, results));
    List<MethodResult> withClients = results.stream().filter(r -> r.method().hasClients()).toList();
    if (!withClients.isEmpty()) {
      files.add(bytes(dir, withClients));
      files.add(macs(dir, withClients));
    }
    return files;
  }

  private static String accuracy(Path dir, List<MethodResult> results) throws IOException {
    boolean retrieval = results.stream().anyMatch(r -> r.finalRecall() != null); // its curve is the mean R@1
    XYChart chart = new XYChartBuilder().width(900).height(560)
        .title(retrieval ? "Test mean Recall@1 of the global model (both directions)" : "Test accuracy of the global model")
        .xAxisTitle("epoch (round)").yAxisTitle(retrieval ? "mean Recall@1 (%)" : "test accuracy (%)").build();
    for (MethodResult r : results) {
      double[] x = r.epochs().stream().mapToDouble(MethodResult.Epoch::epoch).toArray();
      double[] y = r.epochs().stream().mapToDouble(e -> 100 * e.testAccuracy()).toArray();
      chart.addSeries(r.label(), x, y);
    }
    return save(chart, dir, "accuracy.png");
  }

  private static String bytes(Path dir, List<MethodResult> results) throws IOException {
    List<String> names = results.stream().map(MethodResult::label).toList();
    CategoryChart chart = CategoryLabels.chart(new CategoryChartBuilder()
        .title("Traffic per client per epoch (mean)").yAxisTitle("KiB (log scale)"), 900, 560, names);
    List<Double> up = results.stream().map(r -> r.meanBytesUpPerClientPerEpoch() / 1024).toList();
    List<Double> down = results.stream().map(r -> r.meanBytesDownPerClientPerEpoch() / 1024).toList();
    logAxisFrom(chart, java.util.stream.Stream.concat(up.stream(), down.stream()).toList());
    chart.addSeries("up", names, up);
    chart.addSeries("down", names, down);
    return save(chart, dir, "bytes.png");
  }

  private static String macs(Path dir, List<MethodResult> results) throws IOException {
    List<String> names = results.stream().map(MethodResult::label).toList();
    CategoryChart chart = CategoryLabels.chart(new CategoryChartBuilder()
        .title("Client compute per training sample").yAxisTitle("MACs, forward + backward (log scale)"), 900, 560, names);
    chart.getStyler().setLegendVisible(false);
    List<Double> macs = results.stream().map(r -> (double) r.clientTrainingMacs()).toList();
    logAxisFrom(chart, macs);
    chart.addSeries("client MACs", names, macs);
    return save(chart, dir, "client-macs.png");
  }

  /** Log y axis from a decade below the smallest positive value: XChart's bars need a positive floor. */
  private static void logAxisFrom(CategoryChart chart, List<Double> values) {
    double min = values.stream().mapToDouble(Double::doubleValue).filter(v -> v > 0).min().orElse(1);
    chart.getStyler().setYAxisLogarithmic(true);
    chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(min)) - 1)); // one decade of headroom: bars stay visible
  }

  /**
   * Final test accuracy against traffic (KiB up + down per client per epoch, log scale), one point per
   * result: the codec trade-off at a glance.
   */
  public static String accuracyVersusBytes(Path dir, List<MethodResult> results) throws IOException {
    XYChart chart = new XYChartBuilder().width(900).height(560).title("Final test accuracy vs traffic")
        .xAxisTitle("KiB per client per epoch, up + down (log scale)").yAxisTitle("final test accuracy (%)").build();
    chart.getStyler().setDefaultSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Scatter);
    chart.getStyler().setXAxisLogarithmic(true);
    chart.getStyler().setMarkerSize(12);
    for (MethodResult r : results) {
      double kib = (r.meanBytesUpPerClientPerEpoch() + r.meanBytesDownPerClientPerEpoch()) / 1024;
      chart.addSeries(r.label(), new double[] {kib}, new double[] {100 * r.finalAccuracy()});
    }
    return save(chart, dir, "accuracy-vs-bytes.png");
  }

  private static String save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path dir, String name)
      throws IOException {
    BitmapEncoder.saveBitmap(chart, dir.resolve(name).toString(), BitmapEncoder.BitmapFormat.PNG);
    return name;
  }
}
