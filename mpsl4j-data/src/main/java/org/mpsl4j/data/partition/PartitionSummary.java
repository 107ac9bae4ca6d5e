package org.mpsl4j.data.partition;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * What a partition looks like: samples and class histogram per client, printable as a table and saveable as JSON so
 * that a run's data distribution is recorded with its results.
 *
 * @param method     how the partition was made
 * @param classNames class names, indexing the histograms
 * @param clients    one entry per client
 */
public record PartitionSummary(String method, List<String> classNames, List<Client> clients) {

  /**
   * One client's share.
   *
   * @param client         client index
   * @param samples        number of samples
   * @param classHistogram samples per class
   */
  public record Client(int client, int samples, int[] classHistogram) {
  }

  /** Smallest number of samples any client holds. */
  @JsonProperty("minSamples")
  public int minSamples() {
    return clients.stream().mapToInt(Client::samples).min().orElse(0);
  }

  /** Largest number of samples any client holds. */
  @JsonProperty("maxSamples")
  public int maxSamples() {
    return clients.stream().mapToInt(Client::samples).max().orElse(0);
  }

  /**
   * Label skew: the sample-weighted mean total-variation distance between each client's class distribution and the
   * overall one; 0 when every client has the global class mix, approaching 1 when each holds a class of its own.
   */
  @JsonProperty("labelSkew")
  public double labelSkew() {
    int numClasses = classNames.size();
    double[] global = new double[numClasses];
    double total = 0;
    for (Client c : clients) {
      for (int k = 0; k < numClasses; k++) {
        global[k] += c.classHistogram[k];
      }
      total += c.samples;
    }
    if (total == 0) {
      return 0;
    }
    double skew = 0;
    for (Client c : clients) {
      if (c.samples == 0) {
        continue;
      }
      double tv = 0;
      for (int k = 0; k < numClasses; k++) {
        tv += Math.abs(c.classHistogram[k] / (double) c.samples - global[k] / total);
      }
      skew += c.samples * tv / 2;
    }
    return skew / total;
  }

  /** A plain-text table: one line per client with its sample count and class histogram. */
  public String toTable() {
    StringBuilder sb = new StringBuilder();
    sb.append(method).append(": ").append(clients.size()).append(" clients, samples min ").append(minSamples())
        .append(" max ").append(maxSamples()).append(String.format(", label skew %.3f%n", labelSkew()));
    sb.append(String.format("%6s %8s  %s%n", "client", "samples", "per class " + classNames));
    for (Client c : clients) {
      sb.append(String.format("%6d %8d  %s%n", c.client, c.samples, Arrays.toString(c.classHistogram)));
    }
    return sb.toString();
  }

  /** The summary as indented JSON. */
  public String toJson() {
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(this);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes {@link #toJson()} to a file, creating its folder. */
  public void save(Path file) {
    try {
      if (file.toAbsolutePath().getParent() != null) {
        Files.createDirectories(file.toAbsolutePath().getParent());
      }
      Files.writeString(file, toJson());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write partition summary " + file + ": " + e.getMessage(), e);
    }
  }
}
