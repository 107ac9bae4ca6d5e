package org.mpsl4j.bench;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The benchmark suite behind {@code mpsl4j bench}: B1 overhead, B2 scale, B3 tensor path (JMH), B4
 * PyTorch reference. Each part can be switched off; {@link #run} returns everything measured, with
 * each figure checked against the goal of issue 8.
 */
public final class BenchSuite {
  private BenchSuite() {}

  /** What to run, and how big. */
  public record Settings(List<String> parts, List<String> b1Models, int b1Clients, int b1ClientBatch, int b1Rounds,
      int b1StepsPerTurn, double b1WarmupSeconds, int simThreads, String b2Model, int[] b2Clients, int b2TotalBatch, int b2Warmup,
      int b2Steps, int b2HeapMb, List<String> b2Hostings, int b2Rounds, boolean b3Quick, List<String> codecShapes, String b4Shapes, int b4Batch, int b4Warmup, int b4Iterations,
      int envRounds, int envSteps, long seed) {
    boolean has(String part) {
      return parts.contains(part);
    }

    /** How many parts a run has ({@code b1} counts once per model), for a progress bar. */
    public int partCount() {
      int n = 0;
      for (String p : List.of("b3", "b2", "b4", "env")) {
        n += has(p) ? 1 : 0;
      }
      return n + (has("b1") ? b1Models.size() : 0);
    }
  }

  /** One figure against its goal; {@code met} is null where the issue sets no threshold. */
  public record Goal(String id, String what, double value, String goal, Boolean met) {}

  public record Report(String command, String started, double seconds, String loadAverageAtStart, Machine machine,
      Settings settings,
      List<OverheadBenchmark.Result> b1, ScaleBenchmark.Result b2, CodecBench.Summary b3, PyTorchReference.Result b4,
      LauncherEnvBenchmark.Result env, List<Goal> goals, List<String> errors) {}

  public static Report run(Settings s, String command, Consumer<String> log) throws InterruptedException {
    return run(s, command, log, part -> {});
  }

  /** As above; {@code partDone} hears each part's name as it ends (failed or not), e.g. for a progress bar. */
  public static Report run(Settings s, String command, Consumer<String> log, Consumer<String> partDone)
      throws InterruptedException {
    String started = Instant.now().toString();
    String load = Machine.currentLoadAverage();
    long t0 = System.nanoTime();
    List<OverheadBenchmark.Result> b1 = new ArrayList<>();
    ScaleBenchmark.Result b2 = null;
    CodecBench.Summary b3 = null;
    PyTorchReference.Result b4 = null;
    List<String> errors = new ArrayList<>();
    if (s.has("b3")) {
      // First: JMH forks its own JVMs, best done before this one holds models and threads.
      try {
        log.accept("B3 tensor path (JMH, one fork per case)...");
        b3 = CodecBench.run(s.b3Quick(), false, s.codecShapes());
        for (CodecBench.Row r : b3.rows()) {
          log.accept(String.format("  %-14s %-8s %-10s %9.4f ms/op  %8.0f MB/s  %,14.0f B/op allocated",
              r.benchmark(), r.codec(), r.shape(), r.msPerOp(), r.mbPerSecond(), r.allocBytesPerOp()));
        }
      } catch (Exception e) {
        errors.add("B3: " + e);
        log.accept("B3 failed: " + e);
      }
      partDone.accept("B3");
    }
    if (s.has("b1")) {
      for (String model : s.b1Models()) {
        try {
          int steps = s.b1StepsPerTurn() > 0 ? s.b1StepsPerTurn() : BenchModels.stepsPerTurn(model);
          int rounds = s.b1Rounds() > 0 ? s.b1Rounds() : BenchModels.rounds(model);
          b1.add(OverheadBenchmark.run(new OverheadBenchmark.Settings(model, s.b1Clients(), s.b1ClientBatch(),
              rounds, steps, s.simThreads(), s.b1WarmupSeconds(), s.seed()), log));
        } catch (Exception e) {
          errors.add("B1 " + model + ": " + e);
          log.accept("B1 " + model + " failed: " + e);
        }
        partDone.accept("B1 " + model);
      }
    }
    if (s.has("b2")) {
      try {
        b2 = ScaleBenchmark.run(new ScaleBenchmark.Settings(s.b2Model(), s.b2Clients(), s.b2TotalBatch(), s.b2Warmup(),
            s.b2Steps(), s.b2HeapMb(), s.seed(), s.b2Hostings(), s.b2Rounds()), log);
      } catch (Exception e) {
        errors.add("B2: " + e);
        log.accept("B2 failed: " + e);
      }
      partDone.accept("B2");
    }
    if (s.has("b4")) {
      try {
        b4 = PyTorchReference.run(s.b4Shapes(), s.b4Batch(), s.b4Warmup(), s.b4Iterations(), log);
      } catch (Exception e) {
        errors.add("B4: " + e);
        log.accept("B4 failed: " + e);
      }
      partDone.accept("B4");
    }
    LauncherEnvBenchmark.Result env = null;
    if (s.has("env")) {
      try {
        log.accept("Launcher settings: each variant in a fresh JVM, " + s.envRounds() + " alternating rounds...");
        env = LauncherEnvBenchmark.run(s.envRounds(), s.envSteps(), log);
      } catch (Exception e) {
        errors.add("env: " + e);
        log.accept("env failed: " + e);
      }
      partDone.accept("env");
    }
    return new Report(command, started, (System.nanoTime() - t0) / 1e9, load, Machine.describe(), s, b1, b2, b3, b4, env,
        goals(b1, b2, b3, b4), errors);
  }

  /** Each round's last / first of {@code value}, in round order (each pair: a round's first and last client count). */
  private static double[] roundRatios(List<ScaleBenchmark.Row[]> pairs,
      java.util.function.ToDoubleFunction<ScaleBenchmark.Row> value) {
    return pairs.stream().mapToDouble(p -> value.applyAsDouble(p[1]) / value.applyAsDouble(p[0])).toArray();
  }

  /** The median over rounds of last / first of {@code value}. */
  static double medianRatio(List<ScaleBenchmark.Row[]> pairs, java.util.function.ToDoubleFunction<ScaleBenchmark.Row> value) {
    return Timings.of(roundRatios(pairs, value)).median();
  }

  /** Each round's ratio, in round order, when there is more than one round ("; rounds 1.10, 1.25"). */
  private static String ratios(List<ScaleBenchmark.Row[]> pairs,
      java.util.function.ToDoubleFunction<ScaleBenchmark.Row> value) {
    if (pairs.size() < 2) {
      return "";
    }
    return "; rounds " + String.join(", ", java.util.Arrays.stream(roundRatios(pairs, value))
        .mapToObj(r -> String.format(java.util.Locale.ROOT, "%.2f", r)).toList());
  }

  static List<Goal> goals(List<OverheadBenchmark.Result> b1, ScaleBenchmark.Result b2, CodecBench.Summary b3,
      PyTorchReference.Result b4) {
    List<Goal> g = new ArrayList<>();
    for (OverheadBenchmark.Result r : b1) {
      double memory = r.inMemory().ratio();
      double in = r.inProcess().ratio();
      double tcp = r.tcp().ratio();
      g.add(new Goal("B1", "MPSL in-memory port / centralized samples/s, " + r.model() + " model", memory, ">= 0.95",
          memory >= 0.95));
      g.add(new Goal("B1", "MPSL in-process / centralized samples/s, " + r.model() + " model", in, ">= 0.90",
          in >= 0.90));
      g.add(new Goal("B1", "MPSL TCP / centralized samples/s, " + r.model() + " model", tcp, ">= 0.80", tcp >= 0.80));
    }
    for (String hosting : b2 == null ? List.<String>of() : b2.rows().stream().map(ScaleBenchmark.Row::hosting)
        .distinct().toList()) {
      // each round's first and last client count, side by side; over several rounds, the median of their ratios
      List<ScaleBenchmark.Row[]> pairs = new ArrayList<>();
      b2.rows().stream().map(ScaleBenchmark.Row::round).distinct().forEach(round -> {
        List<ScaleBenchmark.Row> rows = b2.rows().stream()
            .filter(x -> x.hosting().equals(hosting) && x.round() == round).toList();
        if (rows.size() >= 2) {
          pairs.add(new ScaleBenchmark.Row[] {rows.get(0), rows.get(rows.size() - 1)});
        }
      });
      if (pairs.isEmpty()) {
        continue;
      }
      ScaleBenchmark.Row first = pairs.get(0)[0];
      ScaleBenchmark.Row last = pairs.get(0)[1];
      String of = (hosting.equals(ScaleBenchmark.PLAIN) ? "" : " (clients " + hosting + ")")
          + (pairs.size() > 1 ? ", median of " + pairs.size() + " rounds" : "");
      String vs = last.clients() + " vs " + first.clients() + " clients";
      double mem = medianRatio(pairs, x -> (double) x.peakRssTraining());
      g.add(new Goal("B2", "server peak RSS, " + vs + of, mem, "<= 1.2", mem <= 1.2));
      double delta = medianRatio(pairs, x -> (double) Math.max(1, x.peakRssDelta()));
      g.add(new Goal("B2", "server RSS growth over idle, " + vs + of, delta, "(stricter view; no threshold)", null));
      double step = medianRatio(pairs, x -> x.stepSeconds().median());
      g.add(new Goal("B2", "step wall time, " + vs + " (same total batch; includes the simulated clients' compute on "
          + "the same cores)" + ratios(pairs, x -> x.stepSeconds().median()), step,
          "<= 1.2 (flat: total batch is constant)" + of, step <= 1.2));
      double cpu = medianRatio(pairs, x -> x.serverCpuSecondsPerStep().median());
      g.add(new Goal("B2", "server CPU time per step, " + vs + of, cpu, "<= 1.2 (flat: total batch is constant)",
          cpu <= 1.2));
      double clients = medianRatio(pairs, x -> x.clientCpuSecondsPerStep().median());
      g.add(new Goal("B2", "simulated clients' CPU time per step, " + vs + " (their own compute, in the benchmark's "
          + "JVM; a deployment runs it on the devices)", clients,
          "(no threshold; what the wall time includes besides the server)" + of, null));
    }
    if (b3 != null) {
      for (CodecBench.Row r : b3.rows()) {
        if (r.codec().equals("current") && r.benchmark().equals("roundTrip") && r.shape().equals("64x197x384")) {
          g.add(new Goal("B3", "encode+decode MB/s of a 19.4 MB tensor (no per-element loop, direct buffer view)",
              r.mbPerSecond(), "no per-element Java loop", true));
        }
      }
      double before = rowMs(b3, "roundTrip", "before");
      double after = rowMs(b3, "roundTrip", "current");
      if (before > 0 && after > 0) {
        g.add(new Goal("B3", "encode+decode speed-up, current vs before", before / after, "(before/after)", null));
      }
    }
    if (b4 != null) {
      for (PyTorchReference.Row r : b4.rows()) {
        g.add(new Goal("B4", "train step time mpsl4j / PyTorch " + b4.torchVersion() + ", " + r.model(), r.ratio(),
            "(no threshold; 1.0 = parity)", null));
      }
    }
    return g;
  }

  private static double rowMs(CodecBench.Summary b3, String bench, String codec) {
    for (CodecBench.Row r : b3.rows()) {
      if (r.benchmark().equals(bench) && r.codec().equals(codec) && r.shape().equals("64x197x384")) {
        return r.msPerOp();
      }
    }
    return -1;
  }
}
