package org.mpsl4j.bench;

import java.util.Arrays;

/** Summary of repeated timings in seconds. */
public record Timings(int iterations, double mean, double median, double min, double max) {
  public static Timings of(double[] seconds) {
    double[] s = seconds.clone();
    Arrays.sort(s);
    double mean = Arrays.stream(s).average().orElse(Double.NaN);
    double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    return new Timings(s.length, mean, median, s[0], s[s.length - 1]);
  }
}
