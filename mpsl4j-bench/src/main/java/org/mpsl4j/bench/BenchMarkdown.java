package org.mpsl4j.bench;

import java.util.List;
import java.util.Locale;

/** The suite's results as Markdown: goals first, then one table per benchmark, then the machine. */
public final class BenchMarkdown {
  private BenchMarkdown() {}

  public static String render(BenchSuite.Report r) {
    StringBuilder md = new StringBuilder();
    md.append("## Results ").append(r.started()).append(String.format(Locale.ROOT, " (%.0f s)%n%n", r.seconds()));
    md.append("Command: `").append(r.command()).append("`\n\n");
    md.append("| id | figure | measured | goal | met |\n|---|---|---:|---|---|\n");
    for (BenchSuite.Goal g : r.goals()) {
      md.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %s | %s |%n", g.id(), g.what(), g.value(), g.goal(),
          g.met() == null ? "-" : g.met() ? "**yes**" : "**no**"));
    }
    md.append('\n');
    for (OverheadBenchmark.Result b : r.b1()) {
      md.append(String.format(Locale.ROOT, "### B1 overhead: %s%n%n%d clients x %d samples = batch %d; %d rounds x %d "
              + "steps per run (first step of each turn not counted), after %d / %d / %d / %d uncounted warm-up steps "
              + "(centralized / in-memory / in-process / TCP); libtorch threads %s.%n%n", b.description(), b.clients(),
          b.clientBatch(), b.totalBatch(), b.rounds(), b.stepsPerTurn(), b.warmupSteps()[0], b.warmupSteps()[1],
          b.warmupSteps()[2], b.warmupSteps()[3], b.threads()));
      md.append("| run | step median s | min s | max s | samples/s | ratio vs centralized (median of rounds) | "
          + "per-round ratios | KiB/step up | KiB/step down |\n|---|---:|---:|---:|---:|---:|---|---:|---:|\n");
      for (OverheadBenchmark.Mode m : List.of(b.centralized(), b.inMemory(), b.inProcess(), b.tcp())) {
        StringBuilder rounds = new StringBuilder();
        for (double x : m.roundRatios()) {
          rounds.append(rounds.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.2f", x));
        }
        md.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f | %.4f | %.1f | %.3f | %s | %s | %s |%n", m.name(),
            m.stepSeconds().median(), m.stepSeconds().min(), m.stepSeconds().max(), m.samplesPerSecond(), m.ratio(),
            rounds, m.kibUpPerStep() > 0 ? String.format(Locale.ROOT, "%.0f", m.kibUpPerStep()) : "-",
            m.kibDownPerStep() > 0 ? String.format(Locale.ROOT, "%.0f", m.kibDownPerStep()) : "-"));
      }
      md.append('\n');
    }
    if (r.b2() != null) {
      ScaleBenchmark.Result b = r.b2();
      md.append(String.format(Locale.ROOT, "### B2 scale: %s, total batch %d%n%nMethod: %s. Centralized step at the "
          + "same batch: median %.3f s.%n%n", b.description(), b.totalBatch(), b.method(),
          b.centralizedStepSeconds().median()));
      boolean rounds = b.rows().stream().anyMatch(x -> x.round() > 0);
      md.append("| " + (rounds ? "round | " : "") + "hosting | clients x batch | step median s | min s | max s | step / centralized | server CPU s/step | "
          + "of it JIT s/step | simulated clients' CPU s/step | server idle RSS MiB | "
          + "peak RSS in steps MiB | peak - idle MiB | peak incl. epoch end MiB | live heap MiB | server threads | "
          + "peak RSS vs first | (peak - idle) vs first |\n"
          + (rounds ? "|---:" : "") + "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
      for (ScaleBenchmark.Row x : b.rows()) {
        md.append(rounds ? "| " + (x.round() + 1) + " " : "");
        md.append(String.format(Locale.ROOT, "| %s | %d x %d | %.3f | %.3f | %.3f | %.2f | %.3f | %.3f | %.3f | %.0f | %.0f "
                + "| %.0f | %.0f | %.1f | %d | %.3f | %.2f |%n", x.hosting(), x.clients(), x.clientBatch(), x.stepSeconds().median(),
            x.stepSeconds().min(), x.stepSeconds().max(), x.stepVsCentralized(), x.serverCpuSecondsPerStep().median(),
            x.serverJitSecondsPerStep().median(), x.clientCpuSecondsPerStep().median(), mib(x.idleRss()),
            mib(x.peakRssTraining()), mib(x.peakRssDelta()), mib(x.peakRssWithEpochEnd()),
            mib(x.liveHeapAfterLastStep()), x.serverThreads(), x.memoryRatioVsFirst(), x.deltaRatioVsFirst()));
      }
      md.append('\n');
    }
    if (r.b3() != null) {
      CodecBench.Summary b = r.b3();
      md.append(String.format(Locale.ROOT, "### B3 tensor path: %s (%.1f MB), JMH average time, %d warm-up + %d "
              + "measured iterations, 1 fork, -prof gc%n%n", b.tensor(), b.payloadBytes() / 1e6,
          b.warmupIterations(), b.iterations()));
      md.append("| benchmark | codec | shape | ms/op | ± (99.9%) | MB/s | heap bytes allocated/op | message bytes |\n"
          + "|---|---|---|---:|---:|---:|---:|---:|\n");
      for (CodecBench.Row x : b.rows()) {
        md.append(String.format(Locale.ROOT, "| %s | %s | %s | %.4f | %.4f | %.0f | %,.0f | %,d |%n", x.benchmark(),
            x.codec(), x.shape(), x.msPerOp(), x.msError(), x.mbPerSecond(), x.allocBytesPerOp(), x.wireBytes()));
      }
      md.append('\n').append(linkTable(b, 100e6));
    }
    if (r.b4() != null) {
      PyTorchReference.Result b = r.b4();
      if (b.skipped() != null) {
        md.append("### B4 PyTorch reference\n\nSkipped: ").append(b.skipped()).append("\n\n");
      } else {
        md.append(String.format(Locale.ROOT, "### B4 PyTorch reference: %s, torch %s, %d threads%n%n"
            + "Median over iterations, mean of 2 alternating rounds; train step = forward + backward + Adam. "
            + "PyTorch's BLAS: %s.%n%n", b.python(), b.torchVersion(), b.threads(), b.blas()));
        md.append("| model | batch | mpsl4j train s | PyTorch train s | mpsl4j / PyTorch | mpsl4j fwd s | PyTorch fwd s |"
            + "\n|---|---:|---:|---:|---:|---:|---:|\n");
        for (PyTorchReference.Row x : b.rows()) {
          md.append(String.format(Locale.ROOT, "| %s | %d | %.3f | %.3f | %.2f | %.3f | %.3f |%n", x.model(), x.batch(),
              x.mpsl4jTrainMedian(), x.pytorchTrainMedian(), x.ratio(), x.mpsl4jForwardMedian(),
              x.pytorchForwardMedian()));
        }
        md.append('\n');
      }
    }
    if (r.env() != null && !r.env().rows().isEmpty()) {
      LauncherEnvBenchmark.Result e = r.env();
      md.append(String.format(Locale.ROOT, "### Launcher settings%n%nEach variant in a fresh JVM, %d alternating rounds; "
          + "median step seconds (mean of rounds) and, in brackets, the ratio to the first row (below 1 = "
          + "faster).%n%n", e.rounds()));
      List<String> keys = List.copyOf(e.rows().get(0).seconds().keySet());
      md.append("| variant |");
      keys.forEach(k -> md.append(' ').append(k).append(" s |"));
      md.append("\n|---|");
      keys.forEach(k -> md.append("---:|"));
      md.append('\n');
      for (LauncherEnvBenchmark.Row x : e.rows()) {
        md.append("| ").append(x.variant()).append(" |");
        for (String k : keys) {
          md.append(String.format(Locale.ROOT, " %.4f (%.2f) |", x.seconds().get(k), x.vsLauncher().get(k)));
        }
        md.append('\n');
      }
      md.append('\n');
    }
    if (!r.errors().isEmpty()) {
      md.append("### Errors\n\n");
      for (String e : r.errors()) {
        md.append("- ").append(e).append('\n');
      }
      md.append('\n');
    }
    Machine m = r.machine();
    md.append("### Machine\n\n");
    md.append(String.format(Locale.ROOT, "- %d cores (nproc), CPU: %s, memory %s, %s%n", m.cores(), m.cpu(),
        m.memory(), m.os()));
    md.append("- Java: ").append(m.java()).append('\n');
    md.append("- libtorch intra-op threads: ").append(m.libtorchThreads()).append('\n');
    md.append("- load average (1/5/15 min) at start: ").append(r.loadAverageAtStart()).append(", at end: ")
        .append(m.loadAverage()).append(" (other engineers' processes share the cores)\n");
    md.append("- environment: ").append(m.mallocEnv()).append('\n');
    md.append("- JVM flags: `").append(String.join(" ", m.jvmArgs())).append("`\n");
    return md.toString();
  }

  /**
   * Whether a codec pays on a link of {@code bitsPerSecond}: transfer time of its message plus its
   * measured encode + decode (roundTrip) against the same for RAW ({@code current}). Measured figures only.
   */
  static String linkTable(CodecBench.Summary b, double bitsPerSecond) {
    StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "On a %.0f Mbit/s link (transfer = message bytes "
        + "× 8 / link rate; codec = measured roundTrip, i.e. encode + decode):%n%n", bitsPerSecond / 1e6));
    md.append("| codec | shape | message bytes | transfer ms | codec ms | total ms | saved vs RAW ms |\n"
        + "|---|---|---:|---:|---:|---:|---:|\n");
    java.util.Map<String, Double> rawTotal = new java.util.HashMap<>();
    List<CodecBench.Row> trips = b.rows().stream().filter(x -> x.benchmark().equals("roundTrip")
        && !x.codec().equals("before")).toList();
    for (CodecBench.Row x : trips) {
      if (x.codec().equals("current")) {
        rawTotal.put(x.shape(), x.wireBytes() * 8 / bitsPerSecond * 1000 + x.msPerOp());
      }
    }
    for (CodecBench.Row x : trips) {
      double transfer = x.wireBytes() * 8 / bitsPerSecond * 1000;
      double total = transfer + x.msPerOp();
      Double raw = rawTotal.get(x.shape());
      md.append(String.format(Locale.ROOT, "| %s | %s | %,d | %.1f | %.1f | %.1f | %s |%n",
          x.codec().equals("current") ? "raw" : x.codec(), x.shape(), x.wireBytes(), transfer, x.msPerOp(), total,
          raw == null ? "–" : String.format(Locale.ROOT, "%+.1f", raw - total)));
    }
    return md.append('\n').toString();
  }

  private static double mib(long bytes) {
    return bytes / 1048576.0;
  }
}
