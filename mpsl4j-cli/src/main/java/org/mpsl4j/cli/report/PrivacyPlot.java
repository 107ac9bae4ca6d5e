package org.mpsl4j.cli.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.mpsl4j.privacy.audit.AttackReport;

/**
 * {@code privacy.png}: per configuration, test accuracy, the best label attack's accuracy and its chance level, and
 * the best reconstruction's SSIM, side by side (all on 0..1).
 */
public final class PrivacyPlot {
  private PrivacyPlot() {}

  static {
    System.setProperty("java.awt.headless", "true");
  }

  /** Writes the plot into {@code dir}; returns its file name. */
  public static String write(Path dir, List<AttackReport> reports) throws IOException {
    List<String> names = reports.stream().map(AttackReport::configuration).toList();
    CategoryChart chart = CategoryLabels.chart(new CategoryChartBuilder()
        .title("Utility and what the server learns, per configuration").xAxisTitle("configuration").yAxisTitle("0..1"),
        1000, 500, names);
    chart.addSeries("test accuracy", names, reports.stream().map(r -> nan0(r.testAccuracy())).toList());
    chart.addSeries("best label attack accuracy", names, reports.stream().map(r -> nan0(r.bestLabelAccuracy())).toList());
    chart.addSeries("label chance (majority class)", names, reports.stream().map(r -> nan0(r.chance())).toList());
    chart.addSeries("best reconstruction SSIM", names, reports.stream().map(r -> nan0(r.bestSsim())).toList());
    chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
    BitmapEncoder.saveBitmap(chart, dir.resolve("privacy.png").toString(), BitmapEncoder.BitmapFormat.PNG);
    return "privacy.png";
  }

  private static double nan0(double v) {
    return Double.isNaN(v) ? 0 : Math.max(0, v);
  }
}
