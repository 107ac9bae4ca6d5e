package org.mpsl4j.data.sensor;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.mpsl4j.data.CorruptDataException;

/**
 * One device's recording of one sp-sw-har execution: a CSV with the header
 * {@code x_acc,y_acc,z_acc,x_gyro,y_gyro,z_gyro,timestamp,label} (m/s², rad/s, UNIX ms, activity name).
 *
 * <p>A malformed row (wrong field count, a number that does not parse, an unknown activity, a timestamp that goes
 * backwards) is skipped and reported as {@code file:line: problem}; a wrong header rejects the whole file.
 *
 * @param file    the CSV file
 * @param time    timestamps in ms, non-decreasing
 * @param values  {@code [6][n]}: the six channels
 * @param labels  activity index per row
 * @param skipped one line per skipped row
 */
public record SensorCsv(Path file, long[] time, float[][] values, int[] labels, List<String> skipped) {

  /** The expected header. */
  public static final String HEADER = "x_acc,y_acc,z_acc,x_gyro,y_gyro,z_gyro,timestamp,label";
  /** Number of channels (3-axis accelerometer and gyroscope). */
  public static final int CHANNELS = 6;

  /** Number of rows kept. */
  public int size() {
    return time.length;
  }

  /** Reads a file; {@code classNames} gives the activity index of each label. */
  public static SensorCsv read(Path file, List<String> classNames) {
    List<String> skipped = new ArrayList<>();
    long[] time = new long[1024];
    float[][] values = new float[CHANNELS][1024];
    int[] labels = new int[1024];
    int n = 0;
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String header = in.readLine();
      if (header == null || !header.strip().equals(HEADER)) {
        throw new CorruptDataException(file, "header is '" + header + "' but '" + HEADER + "' was expected");
      }
      String line;
      int lineNo = 1;
      while ((line = in.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        String[] f = line.split(",", -1);
        if (f.length != 8) {
          skipped.add(file + ":" + lineNo + ": " + f.length + " fields instead of 8");
          continue;
        }
        int label = classNames.indexOf(f[7].strip());
        if (label < 0) {
          skipped.add(file + ":" + lineNo + ": unknown activity '" + f[7] + "'");
          continue;
        }
        float[] row = new float[CHANNELS];
        long t;
        try {
          for (int c = 0; c < CHANNELS; c++) {
            row[c] = Float.parseFloat(f[c]);
            if (!Float.isFinite(row[c])) {
              throw new NumberFormatException("not finite: " + f[c]);
            }
          }
          t = Long.parseLong(f[6].strip());
        } catch (NumberFormatException e) {
          skipped.add(file + ":" + lineNo + ": not a number (" + e.getMessage() + ")");
          continue;
        }
        if (n > 0 && t < time[n - 1]) {
          skipped.add(file + ":" + lineNo + ": timestamp " + t + " goes back before " + time[n - 1]);
          continue;
        }
        if (n == time.length) {
          time = Arrays.copyOf(time, 2 * n);
          labels = Arrays.copyOf(labels, 2 * n);
          for (int c = 0; c < CHANNELS; c++) {
            values[c] = Arrays.copyOf(values[c], 2 * n);
          }
        }
        time[n] = t;
        labels[n] = label;
        for (int c = 0; c < CHANNELS; c++) {
          values[c][n] = row[c];
        }
        n++;
      }
    } catch (IOException e) {
      throw new CorruptDataException(file, "cannot be read: " + e.getMessage(), e);
    }
    if (n < 2) {
      throw new CorruptDataException(file, "has " + n + " usable rows; at least 2 are needed");
    }
    for (int c = 0; c < CHANNELS; c++) {
      values[c] = Arrays.copyOf(values[c], n);
    }
    return new SensorCsv(file, Arrays.copyOf(time, n), values, Arrays.copyOf(labels, n),
        List.copyOf(skipped));
  }

  /**
   * The channels linearly interpolated at {@code times} (ms), {@code [6][times.length]}; repeated timestamps use the
   * last row; times outside the recording take the nearest end value.
   */
  public float[][] resample(double[] times) {
    float[][] out = new float[CHANNELS][times.length];
    int j = 0;
    for (int i = 0; i < times.length; i++) {
      double t = times[i];
      while (j + 1 < time.length && time[j + 1] <= t) {
        j++;
      }
      int k = j + 1;
      if (t <= time[0]) {
        k = 0;
        j = 0;
      }
      for (int c = 0; c < CHANNELS; c++) {
        if (k >= time.length || k == j) {
          out[c][i] = values[c][j];
        } else {
          double w = (t - time[j]) / (double) (time[k] - time[j]);
          out[c][i] = (float) (values[c][j] + w * (values[c][k] - values[c][j]));
        }
      }
    }
    return out;
  }
}
