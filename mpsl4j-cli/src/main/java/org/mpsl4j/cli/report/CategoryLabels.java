package org.mpsl4j.cli.report;

import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.function.ToIntFunction;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * How a bar chart writes its category names (methods, configurations) under the bars: level when every name fits
 * its bar group's width, tilted 45° when one does not, vertical when even tilted names would overlap (more groups
 * than tilted lines of text fit side by side). XChart draws level names centred under each group and lets long ones
 * run into their neighbours; tilted names take height from the plot, so the chart grows by what they need and the
 * bars keep their height. One rule for every bar plot: {@link Plots}, {@link RetrievalReport}, {@link PrivacyPlot}.
 */
public final class CategoryLabels {
  /** Share of the chart's width the plot area gets (the rest: y axis, its title and the legend on the right). */
  static final double PLOT_SHARE = 0.72;
  /** Space kept free between two names, in pixels. */
  static final int GAP = 8;
  /** The most a chart grows for its names, in pixels (a name longer than that runs into the plot). */
  static final int MAX_GROWTH = 600;

  private CategoryLabels() {}

  static {
    System.setProperty("java.awt.headless", "true");
  }

  /**
   * @param rotation degrees the names are turned: 0, 45 or 90
   * @param height the chart's height in pixels, grown by what tilted names need below the plot
   */
  record Layout(int rotation, int height) {}

  /**
   * The layout of {@code names} on a chart {@code width} × {@code height} pixels.
   *
   * @param textWidth a name's width in pixels in the axis font
   * @param lineHeight the height of one line of that font, in pixels
   */
  static Layout layout(List<String> names, int width, int height, ToIntFunction<String> textWidth, int lineHeight) {
    if (names.isEmpty()) {
      return new Layout(0, height);
    }
    double slot = width * PLOT_SHARE / names.size();
    int widest = names.stream().mapToInt(textWidth).max().orElse(0);
    if (widest + GAP <= slot) {
      return new Layout(0, height);
    }
    // Tilted 45°, neighbouring names are parallel lines slot / √2 apart: they overlap when that is under a line.
    int rotation = slot / Math.sqrt(2) >= lineHeight + GAP / 2.0 ? 45 : 90;
    double below = rotation == 45 ? (widest + lineHeight) / Math.sqrt(2) : widest; // a level name takes lineHeight
    int growth = (int) Math.min(MAX_GROWTH, Math.max(0, Math.ceil(below - lineHeight)));
    return new Layout(rotation, height + growth);
  }

  /**
   * A bar chart of {@code width} × (at least) {@code height} pixels from {@code builder}, its category names laid out
   * for {@code names} in its own axis font.
   */
  public static CategoryChart chart(CategoryChartBuilder builder, int width, int height, List<String> names) {
    CategoryChart chart = builder.width(width).height(height).build();
    Font font = chart.getStyler().getAxisTickLabelsFont();
    FontMetrics metrics = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB).createGraphics().getFontMetrics(font);
    Layout layout = layout(names, width, height, metrics::stringWidth, metrics.getHeight());
    if (layout.height() != height) {
      chart = builder.height(layout.height()).build();
    }
    chart.getStyler().setXAxisLabelRotation(layout.rotation());
    return chart;
  }
}
