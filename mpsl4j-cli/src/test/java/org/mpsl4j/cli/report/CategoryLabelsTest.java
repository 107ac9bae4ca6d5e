package org.mpsl4j.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collections;
import java.util.List;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * Category names stay level while each fits its bar group, tilt when one does not, and stand up when tilted ones would
 * overlap; the chart grows by the height tilted names take, so the bars keep theirs.
 */
final class CategoryLabelsTest {
  /** 7 pixels a character, 15-pixel lines: a fixed font, so the layout does not depend on the machine's fonts. */
  private static final ToIntFunction<String> SEVEN_PX = s -> 7 * s.length();
  private static final int LINE = 15;

  @Test
  void shortNamesThatFit_stayLevel_andTheChartKeepsItsHeight() {
    // 900 px × 0.72 / 3 = 216 px per group; the longest name is 7 × 11 = 77 px
    assertThat(CategoryLabels.layout(List.of("MPSL", "FedAvg", "SplitFed v1"), 900, 560, SEVEN_PX, LINE))
        .isEqualTo(new CategoryLabels.Layout(0, 560));
  }

  @Test
  void aNameWiderThanItsGroup_tiltsEveryName_andTheChartGrowsByTheTiltedHeight() {
    List<String> methods = List.of("MPSL", "Centralized", "FedAvg", "FedCLIP-adapter", "SplitFed v1", "SplitFed v2",
        "Sequential SL", "MPSL server-side loss");
    // 900 × 0.72 / 8 = 81 px per group: "FedCLIP-adapter" alone is 105 px. The widest, 7 × 21 = 147 px, tilted 45°
    // reaches (147 + 15) / √2 = 114.6 px below the axis, 99.6 more than a level line: 100 px more chart.
    assertThat(CategoryLabels.layout(methods, 900, 560, SEVEN_PX, LINE)).isEqualTo(new CategoryLabels.Layout(45, 660));
  }

  @Test
  void tooManyGroupsForTiltedLines_standUp() {
    // 40 groups on 1000 px: 18 px per group, 12.7 px between tilted lines, under one 15-px line; 98 px names
    List<String> names = Collections.nCopies(40, "label RR ε = 1");
    assertThat(CategoryLabels.layout(names, 1000, 500, SEVEN_PX, LINE)).isEqualTo(new CategoryLabels.Layout(90, 583));
  }

  @Test
  void aVeryLongName_growsTheChartAtMostByTheCap() {
    List<String> names = List.of("a", "x".repeat(500));
    assertThat(CategoryLabels.layout(names, 900, 560, SEVEN_PX, LINE).height())
        .isEqualTo(560 + CategoryLabels.MAX_GROWTH);
  }

  @Test
  void noNames_stayLevel() {
    assertThat(CategoryLabels.layout(List.of(), 900, 560, SEVEN_PX, LINE)).isEqualTo(new CategoryLabels.Layout(0, 560));
  }

  @Test
  void chart_isBuiltWithTheLayoutOfItsOwnFont() {
    List<String> names = List.of("MPSL server-side loss", "MPSL client-side loss", "Centralized", "FedAvg",
        "FedCLIP-adapter", "SplitFed v1", "SplitFed v2", "Sequential SL", "MPSL int8/int8", "MPSL topk:0.1 (no EF)/int8");

    CategoryChart tilted = CategoryLabels.chart(new CategoryChartBuilder(), 900, 560, names);
    CategoryChart level = CategoryLabels.chart(new CategoryChartBuilder(), 900, 560, List.of("a", "b"));

    assertThat(tilted.getStyler().getXAxisLabelRotation()).isIn(45, 90);
    assertThat(tilted.getHeight()).isGreaterThan(560);
    assertThat(tilted.getWidth()).isEqualTo(900);
    assertThat(level.getStyler().getXAxisLabelRotation()).isZero();
    assertThat(level.getHeight()).isEqualTo(560);
  }
}
