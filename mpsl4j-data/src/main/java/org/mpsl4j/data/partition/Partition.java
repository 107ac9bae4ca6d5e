package org.mpsl4j.data.partition;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;

/**
 * An assignment of dataset samples to clients: one array of sample indices per client, each sample in at most one
 * client (the partitioners here put every sample in exactly one). Immutable; {@link #client(int)} returns a copy.
 *
 * <p>{@link #summarize} gives the per-client sample counts and class histograms that a run prints and saves.
 */
public final class Partition {

  private final String method;
  private final List<int[]> clients;

  /**
   * @param method  how it was made, e.g. {@code dirichlet(alpha=0.5, min=10, seed=2024)}; printed in summaries
   * @param clients sample indices per client (copied)
   * @throws IllegalArgumentException if a sample index appears twice
   */
  public Partition(String method, List<int[]> clients) {
    this.method = Objects.requireNonNull(method, "method");
    List<int[]> copy = new ArrayList<>();
    BitSet seen = new BitSet();
    for (int c = 0; c < clients.size(); c++) {
      int[] idx = clients.get(c).clone();
      for (int i : idx) {
        if (i < 0) {
          throw new IllegalArgumentException("client " + c + " has negative sample index " + i);
        }
        if (seen.get(i)) {
          throw new IllegalArgumentException("sample " + i + " is assigned twice (again to client " + c + ")");
        }
        seen.set(i);
      }
      copy.add(idx);
    }
    this.clients = List.copyOf(copy);
  }

  /** How the partition was made (method and parameters). */
  public String method() {
    return method;
  }

  /** Number of clients. */
  public int numClients() {
    return clients.size();
  }

  /** The sample indices of one client (a copy). */
  public int[] client(int client) {
    return clients.get(client).clone();
  }

  /** Number of samples of one client. */
  public int clientSize(int client) {
    return clients.get(client).length;
  }

  /** All clients' sample indices (copies). */
  public List<int[]> clients() {
    List<int[]> out = new ArrayList<>();
    for (int[] c : clients) {
      out.add(c.clone());
    }
    return out;
  }

  /** Total number of assigned samples. */
  public int totalSamples() {
    int n = 0;
    for (int[] c : clients) {
      n += c.length;
    }
    return n;
  }

  /** Samples and class histogram per client, given the labels of the partitioned dataset. */
  public PartitionSummary summarize(int[] labels, List<String> classNames) {
    List<PartitionSummary.Client> out = new ArrayList<>();
    for (int c = 0; c < clients.size(); c++) {
      int[] hist = new int[classNames.size()];
      for (int i : clients.get(c)) {
        hist[labels[i]]++;
      }
      out.add(new PartitionSummary.Client(c, clients.get(c).length, hist));
    }
    return new PartitionSummary(method, List.copyOf(classNames), out);
  }

  @Override
  public String toString() {
    return method + ": " + numClients() + " clients, " + totalSamples() + " samples";
  }
}
