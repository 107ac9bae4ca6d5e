package org.mpsl4j.cli.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.mpsl4j.engine.baselines.Method;
import org.mpsl4j.engine.baselines.ScalingStudy;

/**
 * The scaling study's outputs, all from measured {@link ScalingStudy.Row}s: a table (one line per
 * encoder shape, up and down KiB per client per epoch for each method), {@code scaling.json},
 * {@code scaling.csv} and {@code scaling.png} (bytes vs depth and bytes vs width, log y, one line per method).
 */
public final class ScalingReport {
  private ScalingReport() {}

  static {
    System.setProperty("java.awt.headless", "true");
  }

  /** The table as rows of cells, header first: one line per (sweep, shape). */
  public static List<String[]> table(List<ScalingStudy.Row> rows) {
    List<Method> methods = rows.stream().map(ScalingStudy.Row::method).distinct().toList();
    boolean ratio = methods.contains(Method.MPSL) && methods.contains(Method.FEDAVG);
    List<String> header = new ArrayList<>(List.of("sweep", "depth", "width", "heads", "trainable params",
        "client params (MPSL)"));
    for (Method m : methods) {
      header.add(m.label() + " KiB up");
      header.add(m.label() + " KiB down");
    }
    if (ratio) {
      header.add("FedAvg ÷ MPSL (up+down)");
    }
    List<String[]> out = new ArrayList<>();
    out.add(header.toArray(String[]::new));
    for (Map.Entry<String, List<ScalingStudy.Row>> shape : byShape(rows).entrySet()) {
      ScalingStudy.Row first = shape.getValue().get(0);
      List<String> cells = new ArrayList<>(List.of(first.sweep(), String.valueOf(first.depth()),
          String.valueOf(first.width()), String.valueOf(first.heads()),
          String.format(Locale.ROOT, "%,d", first.trainableParameters()),
          String.format(Locale.ROOT, "%,d", first.clientParameters())));
      for (Method m : methods) {
        Optional<ScalingStudy.Row> r = find(shape.getValue(), m);
        cells.add(r.map(x -> x.trained() ? kib(x.bytesUpPerClient()) : "not trained").orElse("–"));
        cells.add(r.map(x -> x.trained() ? kib(x.bytesDownPerClient()) : "not trained").orElse("–"));
      }
      if (ratio) {
        Optional<ScalingStudy.Row> f = find(shape.getValue(), Method.FEDAVG);
        Optional<ScalingStudy.Row> p = find(shape.getValue(), Method.MPSL);
        cells.add(f.isPresent() && p.isPresent() && f.get().trained() && p.get().trained() && p.get().bytesPerClient() > 0
            ? String.format(Locale.ROOT, "%.1f×", f.get().bytesPerClient() / p.get().bytesPerClient()) : "–");
      }
      out.add(cells.toArray(String[]::new));
    }
    return out;
  }

  public static void writeJson(Path file, Map<String, Object> settings, List<ScalingStudy.Row> rows) throws IOException {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("settings", settings);
    out.put("rows", rows);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), out);
  }

  public static void writeCsv(Path file, List<ScalingStudy.Row> rows) throws IOException {
    StringBuilder b = new StringBuilder("sweep,depth,width,heads,trainable_params,client_params,method,"
        + "bytes_up_per_client,bytes_down_per_client,bytes_per_client,train_loss,wall_seconds\n");
    for (ScalingStudy.Row r : rows) {
      b.append(String.format(Locale.ROOT, "%s,%d,%d,%d,%d,%d,%s,%.1f,%.1f,%.1f,%.6f,%.3f%n", r.sweep(), r.depth(),
          r.width(), r.heads(), r.trainableParameters(), r.clientParameters(), r.method().id(), r.bytesUpPerClient(),
          r.bytesDownPerClient(), r.bytesPerClient(), r.trainLoss(), r.wallSeconds()));
    }
    Files.writeString(file, b);
  }

  /**
   * Writes {@code scaling.png}: bytes (up + down) per client per epoch vs depth (left) and vs width
   * (right), log y, one line per method. Returns the file name.
   */
  public static String writePlot(Path dir, List<ScalingStudy.Row> rows) throws IOException {
    List<BufferedImage> panels = new ArrayList<>();
    for (String sweep : List.of("depth", "width")) {
      List<ScalingStudy.Row> in = rows.stream().filter(r -> r.sweep().equals(sweep)).toList();
      if (in.isEmpty()) {
        continue;
      }
      int fixed = sweep.equals("depth") ? in.get(0).width() : in.get(0).depth();
      XYChart chart = new XYChartBuilder().width(700).height(520)
          .title("Bytes per client per epoch vs encoder " + sweep + " (" + (sweep.equals("depth") ? "width " : "depth ")
              + fixed + ")")
          .xAxisTitle(sweep.equals("depth") ? "encoder blocks" : "encoder width")
          .yAxisTitle("KiB up + down per client per epoch (log scale)").build();
      chart.getStyler().setYAxisLogarithmic(true);
      chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
      double min = Double.MAX_VALUE;
      double max = 0;
      for (Method m : in.stream().map(ScalingStudy.Row::method).distinct().toList()) {
        List<ScalingStudy.Row> series = in.stream().filter(r -> r.method() == m).toList();
        double[] x = series.stream().mapToDouble(r -> sweep.equals("depth") ? r.depth() : r.width()).toArray();
        double[] y = series.stream().mapToDouble(r -> r.bytesPerClient() / 1024).toArray();
        for (double v : y) {
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
        chart.addSeries(m.label(), x, y);
      }
      if (min > 0 && max > 0) { // whole decades around the data, so flat and growing lines both read clearly
        chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(min))));
        chart.getStyler().setYAxisMax(Math.pow(10, Math.ceil(Math.log10(max))));
      }
      panels.add(BitmapEncoder.getBufferedImage(chart));
    }
    int width = panels.stream().mapToInt(BufferedImage::getWidth).sum();
    int height = panels.stream().mapToInt(BufferedImage::getHeight).max().orElse(1);
    BufferedImage all = new BufferedImage(Math.max(1, width), height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = all.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, all.getWidth(), height);
    int x = 0;
    for (BufferedImage p : panels) {
      g.drawImage(p, x, 0, null);
      x += p.getWidth();
    }
    g.dispose();
    ImageIO.write(all, "png", dir.resolve("scaling.png").toFile());
    return "scaling.png";
  }

  private static Map<String, List<ScalingStudy.Row>> byShape(List<ScalingStudy.Row> rows) {
    Map<String, List<ScalingStudy.Row>> out = new LinkedHashMap<>();
    for (ScalingStudy.Row r : rows) {
      out.computeIfAbsent(r.sweep() + "/" + r.depth() + "/" + r.width() + "/" + r.heads(), k -> new ArrayList<>()).add(r);
    }
    return out;
  }

  private static Optional<ScalingStudy.Row> find(List<ScalingStudy.Row> rows, Method m) {
    return rows.stream().filter(r -> r.method() == m).findFirst();
  }

  private static String kib(double bytes) {
    return String.format(Locale.ROOT, "%,.1f", bytes / 1024);
  }
}
