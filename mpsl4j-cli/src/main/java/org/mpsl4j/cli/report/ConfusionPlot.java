package org.mpsl4j.cli.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.mpsl4j.engine.ConfusionMatrix;

/** The confusion matrix as a PNG heat map (XChart, headless): true classes up the side, predictions along the bottom. */
public final class ConfusionPlot {
  private ConfusionPlot() {}

  static {
    System.setProperty("java.awt.headless", "true");
  }

  /** Writes {@code file} (a .png path) and returns it. */
  public static Path write(Path file, ConfusionMatrix m, List<String> classNames, String title) throws IOException {
    int size = Math.max(480, Math.min(1400, 160 + 48 * m.classes()));
    HeatMapChart chart = new HeatMapChartBuilder().width(size + 120).height(size)
        .title("Confusion matrix: " + title + String.format(" (accuracy %.2f%%)", 100 * m.accuracy()))
        .xAxisTitle("predicted class").yAxisTitle("true class").build();
    chart.getStyler().setShowValue(m.classes() <= 25);
    chart.getStyler().setMin(0);
    chart.getStyler().setLegendVisible(true);
    List<Number[]> cells = new ArrayList<>();
    for (int a = 0; a < m.classes(); a++) {
      for (int p = 0; p < m.classes(); p++) {
        cells.add(new Number[] {p, a, m.count(a, p)});
      }
    }
    chart.addSeries("samples", classNames, classNames, cells);
    String name = file.getFileName().toString();
    Path withoutExt = file.resolveSibling(name.endsWith(".png") ? name.substring(0, name.length() - 4) : name);
    BitmapEncoder.saveBitmap(chart, withoutExt.toString(), BitmapEncoder.BitmapFormat.PNG);
    return withoutExt.resolveSibling(withoutExt.getFileName() + ".png");
  }
}
