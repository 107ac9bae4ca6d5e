package org.mpsl4j.data.manifest;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import org.mpsl4j.data.CorruptDataException;
import org.mpsl4j.data.audio.AudioDecoder;
import org.mpsl4j.data.audio.LogMel;
import org.mpsl4j.data.image.ImageResize;
import org.mpsl4j.data.openclipart.SvgRenderer;

/**
 * Turns one manifest value into the numbers of one sample, with the settings of a {@link ManifestConfig}, through the
 * project's readers: ImageIO or {@link SvgRenderer} then {@link ImageResize} for pictures, {@link AudioDecoder} then
 * {@link LogMel} for sounds, Jackson's CSV parser for sensor files. Paths are relative to the manifest's folder.
 * Every failure is a {@link CorruptDataException} or an {@link IllegalArgumentException} whose message says what is
 * wrong; the caller adds the manifest line. Thread-safe.
 */
final class SampleDecoder {

  /** CSV columns of a sensor file that are not channels unless {@code sensor.columns} names them. */
  private static final Set<String> NOT_CHANNELS = Set.of("t", "time", "timestamp", "label", "date", "datetime");

  private final Path base;
  private final ManifestConfig config;
  private final LogMel logMel;
  private final SvgRenderer svg;

  SampleDecoder(Path base, ManifestConfig config) {
    this.base = base;
    this.config = config;
    this.logMel = new LogMel(config.audio().sampleRate(), config.audio().melBins(), config.audio().frames());
    this.svg = new SvgRenderer(config.image().size());
  }

  /** The file a manifest value names. */
  Path resolve(String value) {
    Path p = base.resolve(value).normalize();
    if (!Files.isRegularFile(p)) {
      throw new IllegalArgumentException("file '" + value + "' not found (looked for " + p.toAbsolutePath() + ")");
    }
    return p;
  }

  /** Pixel bytes {@code [channels, size, size]}. */
  byte[] image(String value) {
    Path file = resolve(value);
    int size = config.image().size();
    int channels = config.image().channels();
    if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".svg")) {
      byte[] rgb = svg.render(file);
      return channels == 3 ? rgb : luma(rgb, size * size);
    }
    BufferedImage img;
    try {
      img = ImageIO.read(file.toFile());
    } catch (IOException e) {
      throw new CorruptDataException(file, "unreadable image: " + e.getMessage(), e);
    }
    if (img == null) {
      throw new CorruptDataException(file, "not an image format this JVM reads (PNG, JPEG, GIF, BMP, SVG)");
    }
    return ImageResize.square(img, size, channels);
  }

  /** A picture neutral to the model: mid-gray. */
  byte[] missingImage() {
    byte[] out = new byte[config.image().channels() * config.image().size() * config.image().size()];
    java.util.Arrays.fill(out, (byte) 128);
    return out;
  }

  /** Log-mel features {@code [melBins, frames]}. */
  float[] audio(String value) {
    return logMel.apply(AudioDecoder.readMono(resolve(value), logMel.sampleRate()));
  }

  /** The features of silence. */
  float[] missingAudio() {
    return logMel.apply(new float[0]);
  }

  /** The text itself, or the UTF-8 content of the file a {@code text_file} value names. */
  String text(String column, String value) {
    if (!column.equals("text_file")) {
      return value;
    }
    Path file = resolve(value);
    try {
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new CorruptDataException(file, "not readable as UTF-8 text: " + e, e);
    }
  }

  /**
   * A series as {@code [channels][steps]}: a {@code .csv} file (a header, then one row per time step) or an inline
   * series ({@code "x,y,z;x,y,z;..."}: time steps separated by semicolons, channels by commas or spaces).
   */
  float[][] sensor(String value) {
    if (value.toLowerCase(Locale.ROOT).endsWith(".csv")) {
      return sensorFile(resolve(value));
    }
    String[] steps = value.split(";");
    List<float[]> rows = new ArrayList<>();
    for (int t = 0; t < steps.length; t++) {
      if (steps[t].isBlank()) {
        continue;
      }
      String[] parts = steps[t].strip().split("[,\\s]+");
      float[] row = new float[parts.length];
      for (int c = 0; c < parts.length; c++) {
        row[c] = number(parts[c], "inline sensor series, step " + (t + 1));
      }
      rows.add(row);
    }
    return channelsOf(rows, "inline sensor series");
  }

  private float[][] sensorFile(Path file) {
    CsvMapper mapper = CsvMapper.builder().enable(CsvParser.Feature.WRAP_AS_ARRAY)
        .enable(CsvParser.Feature.TRIM_SPACES).build();
    List<float[]> rows = new ArrayList<>();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        MappingIterator<String[]> it = mapper.readerFor(String[].class).readValues(in)) {
      if (!it.hasNextValue()) {
        throw new CorruptDataException(file, "empty sensor file; a header naming the channels comes first");
      }
      int[] picked = channelColumns(file, it.nextValue());
      while (it.hasNextValue()) {
        int line = it.getCurrentLocation().getLineNr();
        String[] f = it.nextValue();
        if (f.length == 1 && f[0].isBlank()) {
          continue;
        }
        float[] row = new float[picked.length];
        for (int c = 0; c < picked.length; c++) {
          if (picked[c] >= f.length) {
            throw new CorruptDataException(file, "line " + line + " has " + f.length + " fields; column "
                + (picked[c] + 1) + " is missing");
          }
          row[c] = number(f[picked[c]], file.getFileName() + " line " + line);
        }
        rows.add(row);
      }
    } catch (IOException e) {
      throw new CorruptDataException(file, "unreadable sensor CSV: " + e.getMessage(), e);
    }
    return channelsOf(rows, file.getFileName().toString());
  }

  private int[] channelColumns(Path file, String[] header) {
    List<String> names = new ArrayList<>();
    for (String h : header) {
      names.add(h.strip().toLowerCase(Locale.ROOT));
    }
    List<String> wanted = config.sensor().columns();
    List<Integer> picked = new ArrayList<>();
    if (wanted != null) {
      for (String w : wanted) {
        int c = names.indexOf(w.toLowerCase(Locale.ROOT));
        if (c < 0) {
          throw new CorruptDataException(file, "no column '" + w + "' (sensor.columns); the header is " + names);
        }
        picked.add(c);
      }
    } else {
      for (int c = 0; c < names.size(); c++) {
        if (!NOT_CHANNELS.contains(names.get(c))) {
          picked.add(c);
        }
      }
    }
    if (picked.isEmpty()) {
      throw new CorruptDataException(file, "no channel columns in the header " + names);
    }
    return picked.stream().mapToInt(Integer::intValue).toArray();
  }

  private static float[][] channelsOf(List<float[]> rows, String where) {
    if (rows.isEmpty()) {
      throw new IllegalArgumentException(where + " has no time steps");
    }
    int channels = rows.get(0).length;
    float[][] out = new float[channels][rows.size()];
    for (int t = 0; t < rows.size(); t++) {
      if (rows.get(t).length != channels) {
        throw new IllegalArgumentException(where + ": time step " + (t + 1) + " has " + rows.get(t).length
            + " channels but the first has " + channels);
      }
      for (int c = 0; c < channels; c++) {
        out[c][t] = rows.get(t)[c];
      }
    }
    return out;
  }

  /** A series cut to {@code sensor.window} steps, or held at its last value up to it, as {@code [channels * window]}. */
  float[] window(float[][] series) {
    int window = config.sensor().window();
    int channels = series.length;
    float[] out = new float[channels * window];
    for (int c = 0; c < channels; c++) {
      float[] s = series[c];
      int n = Math.min(window, s.length);
      System.arraycopy(s, 0, out, c * window, n);
      java.util.Arrays.fill(out, c * window + n, (c + 1) * window, s[s.length - 1]);
    }
    return out;
  }

  private static float number(String text, String where) {
    try {
      float v = Float.parseFloat(text.strip());
      if (!Float.isFinite(v)) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(where + ": '" + text + "' is not a finite number");
    }
  }

  private static byte[] luma(byte[] rgb, int plane) {
    byte[] out = new byte[plane];
    for (int i = 0; i < plane; i++) {
      int r = rgb[i] & 0xff;
      int g = rgb[plane + i] & 0xff;
      int b = rgb[2 * plane + i] & 0xff;
      out[i] = (byte) Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    }
    return out;
  }
}
