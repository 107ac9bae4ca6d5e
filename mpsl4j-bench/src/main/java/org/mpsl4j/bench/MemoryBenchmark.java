package org.mpsl4j.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Peak resident memory of whole {@code simulate} runs as the number of simulated clients grows, and the
 * increment per client. Each run is its own JVM (started like this one: same class path, JVM options and
 * environment), so its high-water mark ({@code VmHWM} in /proc) is that run's alone: server, clients,
 * data, the pretrained encoder, and whatever the JVM heap touched. Runs go one at a time.
 *
 * <p>Method: the total batch is the same at every client count ({@code clientBatch × clients}), as is
 * the training data, so the server's step memory is the same and the difference between two counts is
 * what the extra clients cost. Runs are short (one epoch over a small sample) but include everything a
 * real run does: building every client, training steps, the epoch-end tokenizer upload and averaging,
 * the global and personalized evaluations.
 */
public final class MemoryBenchmark {
  private MemoryBenchmark() {}

  /**
   * One workload: a name and the simulate options it adds (dataset, encoder, samples...).
   *
   * @param totalBatch samples per step over all clients; each count uses totalBatch / clients per client
   */
  public record Workload(String name, List<String> simulateArgs, int totalBatch) {}

  /** One run: its peak resident bytes (0 if it failed), wall time and exit code. */
  public record Row(String workload, int clients, int clientBatch, long peakRssBytes, double seconds, int exitCode,
      String log) {}

  /** Increment per client between consecutive client counts of one workload. */
  public record Increment(String workload, int fromClients, int toClients, double bytesPerClient) {}

  public record Result(String command, List<Row> rows, List<Increment> increments) {}

  /**
   * The image-only (MNIST) and image + text (OpenClipart) workloads, both with the pretrained encoder.
   *
   * @param serverChunk samples per server pass (simulate's --server-chunk; 0: one pass)
   * @param simulateArgs more simulate options for every run (e.g. the paper's --tokenizer-sync never); none: the
   *     run measures simulate's defaults
   */
  public static List<Workload> defaultWorkloads(int samples, int totalBatch, int serverChunk,
      List<String> simulateArgs) {
    List<String> common = new ArrayList<>(List.of("--encoder", "minilm-l6", "--epochs", "1", "--alpha", "100000",
        "--samples", String.valueOf(samples), "--server-chunk", String.valueOf(serverChunk)));
    common.addAll(simulateArgs);
    List<String> image = new ArrayList<>(List.of("--dataset", "mnist"));
    image.addAll(common);
    List<String> text = new ArrayList<>(List.of("--dataset", "openclipart", "--patch", "16"));
    text.addAll(common);
    return List.of(new Workload("image (MNIST), pretrained encoder", image, totalBatch),
        new Workload("image+text (OpenClipart), pretrained encoder", text, totalBatch));
  }

  /**
   * Runs every workload at every client count, one JVM at a time.
   *
   * @param mainClass the CLI's main class (its {@code simulate} command is run)
   * @param logDir where each run's output goes
   */
  public static Result run(String mainClass, List<Workload> workloads, int[] clientCounts, boolean warmup, Path logDir,
      String command, Consumer<String> log) throws IOException, InterruptedException {
    Files.createDirectories(logDir);
    List<Row> rows = new ArrayList<>();
    List<Increment> increments = new ArrayList<>();
    for (Workload w : workloads) {
      // An unmeasured first run fills the preprocessed-data cache (rendering SVGs, decoding images), which
      // would otherwise count in the first measured peak.
      int first = clientCounts[0];
      if (!warmup) {
        log.accept("  no warm-up run: the data cache must already hold this workload's samples");
      }
      Row warm = !warmup ? null
          : measure(mainClass, w, first, Math.max(1, w.totalBatch() / first), logDir.resolve("warmup"), log);
      if (warm != null) {
        log.accept(String.format("  %-46s warm-up run (fills the data cache, not counted): exit %d, %.0f s", w.name(),
            warm.exitCode(), warm.seconds()));
      }
      Row previous = null;
      for (int n : clientCounts) {
        int clientBatch = Math.max(1, w.totalBatch() / n);
        Row r = measure(mainClass, w, n, clientBatch, logDir, log);
        rows.add(r);
        log.accept(String.format("  %-46s %5d clients x %3d: peak RSS %,9.1f MiB  (%.0f s, exit %d)", w.name(), n,
            clientBatch, r.peakRssBytes() / 1048576.0, r.seconds(), r.exitCode()));
        if (previous != null && previous.exitCode() == 0 && r.exitCode() == 0) {
          Increment inc = new Increment(w.name(), previous.clients(), n,
              (double) (r.peakRssBytes() - previous.peakRssBytes()) / (n - previous.clients()));
          increments.add(inc);
          log.accept(String.format("  %-46s %5d -> %d clients: %+.2f MiB per client", "", inc.fromClients(),
              inc.toClients(), inc.bytesPerClient() / 1048576.0));
        }
        previous = r;
      }
    }
    return new Result(command, rows, increments);
  }

  private static Row measure(String mainClass, Workload w, int clients, int clientBatch, Path logDir,
      Consumer<String> log) throws IOException, InterruptedException {
    Files.createDirectories(logDir);
    String slug = w.name().replaceAll("[^A-Za-z0-9]+", "-").toLowerCase() + "-" + clients;
    Path runLog = logDir.resolve(slug + ".log");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass, "simulate"));
    cmd.addAll(w.simulateArgs());
    cmd.addAll(List.of("--clients", String.valueOf(clients), "--client-batch", String.valueOf(clientBatch),
        "--out", logDir.resolve(slug).toString()));
    log.accept("  running: simulate " + String.join(" ", cmd.subList(cmd.indexOf("simulate") + 1, cmd.size())));
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(runLog.toFile()).start();
    long peak = 0;
    Path status = Path.of("/proc", String.valueOf(p.pid()), "status");
    while (p.isAlive()) {
      peak = Math.max(peak, highWaterMark(status));
      Thread.sleep(200);
    }
    int exit = p.waitFor();
    return new Row(w.name(), clients, clientBatch, exit == 0 ? peak : 0, (System.nanoTime() - t0) / 1e9, exit,
        runLog.toString());
  }

  /** VmHWM of a live process in bytes; 0 once it is gone. */
  private static long highWaterMark(Path status) {
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException gone) {
      // the process ended between isAlive and the read
    }
    return 0;
  }

  /** A Markdown table of the rows and the increments. */
  public static String markdown(Result r) {
    StringBuilder b = new StringBuilder("| workload | clients | per client batch | peak RSS MiB | seconds | exit |\n"
        + "|---|---:|---:|---:|---:|---:|\n");
    for (Row row : r.rows()) {
      b.append(String.format("| %s | %,d | %d | %,.1f | %.0f | %d |%n", row.workload(), row.clients(), row.clientBatch(),
          row.peakRssBytes() / 1048576.0, row.seconds(), row.exitCode()));
    }
    b.append("\n| workload | from | to | MiB per added client |\n|---|---:|---:|---:|\n");
    for (Increment i : r.increments()) {
      b.append(String.format("| %s | %,d | %,d | %.2f |%n", i.workload(), i.fromClients(), i.toClients(),
          i.bytesPerClient() / 1048576.0));
    }
    return b.toString();
  }
}
