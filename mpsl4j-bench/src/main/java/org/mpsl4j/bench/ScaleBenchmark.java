package org.mpsl4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.engine.grpc.BundledClients;
import org.mpsl4j.engine.grpc.ClientRunner;
import org.mpsl4j.engine.grpc.TcpTransport;
import org.mpsl4j.engine.sim.MpslSetup;
import org.mpsl4j.engine.sim.SimulationConfig;
import org.mpsl4j.model.ModelConfig;

/**
 * B2: server memory and step time with 10, 100 and 1000 clients at one total batch (e.g. 1000 =
 * 10×100 = 100×10 = 1000×1).
 *
 * <p>Method: the server runs as a separate JVM ({@link ServerProbe}) with a fixed, pre-touched heap,
 * so that its resident memory (RSS from /proc) is the server's alone and the Java heap part of it
 * cannot grow with garbage; the N clients run in this JVM and connect over loopback TCP, one
 * connection each, as separate devices would. The server reports its idle RSS (model built, listening,
 * no client yet), the peak RSS during the training steps (high-water mark, reset after the idle
 * reading), the live heap after a full GC at the last step, each step's time (between the server's
 * consecutive end-of-step callbacks) and the server process's CPU time in it (all its threads:
 * libtorch, gRPC, GC, JIT), which the clients' own compute on this shared machine does not inflate. The epoch-end peak (tokenizer averaging and evaluation)
 * is reported apart.
 */
public final class ScaleBenchmark {
  private ScaleBenchmark() {}

  /** How the benchmark JVM hosts its simulated clients: one connection each, or all on one Bundled stream. */
  public static final String PLAIN = "plain";
  public static final String BUNDLED = "bundled";
  /** Bundled, and the clients' tokenizers computed as one stack per phase (engine/mpsl/StackedClients). */
  public static final String STACKED = "stacked";

  /**
   * @param hostings each client count is run once per hosting, in this order, side by side: {@link #PLAIN}
   *     (one connection and stream per client, as separate devices) or {@link #BUNDLED} (one connection, one
   *     frame per phase for all clients, as a gateway hosting them) or {@link #STACKED} (bundled, and the clients'
   *     tokenizers run as one stacked computation per phase)
   * @param rounds how many times the whole set of configurations runs, one configuration after the other in each
   *     round, so that ratios are taken within a round (side by side) and a shared machine's drift between rounds
   *     shows as their spread ({@link BenchSuite#goals} reports the median ratio over rounds)
   */
  public record Settings(String model, int[] clientCounts, int totalBatch, int warmupSteps, int measuredSteps,
      int heapMb, long seed, List<String> hostings, int rounds) {
    public Settings {
      if (rounds < 1) {
        throw new IllegalArgumentException("B2 needs at least one round, not " + rounds);
      }
      for (int n : clientCounts) {
        if (n < 1 || totalBatch % n != 0) {
          throw new IllegalArgumentException("total batch " + totalBatch + " must be a multiple of client count " + n);
        }
      }
      hostings = List.copyOf(hostings);
      if (hostings.isEmpty()) {
        throw new IllegalArgumentException("B2 needs at least one hosting (" + PLAIN + ", " + BUNDLED + ", " + STACKED
            + ")");
      }
      for (String h : hostings) {
        if (!h.equals(PLAIN) && !h.equals(BUNDLED) && !h.equals(STACKED)) {
          throw new IllegalArgumentException("unknown B2 hosting '" + h + "' (" + PLAIN + ", " + BUNDLED + ", "
              + STACKED + ")");
        }
      }
    }

    /** One round. */
    public Settings(String model, int[] clientCounts, int totalBatch, int warmupSteps, int measuredSteps, int heapMb,
        long seed, List<String> hostings) {
      this(model, clientCounts, totalBatch, warmupSteps, measuredSteps, heapMb, seed, hostings, 1);
    }

    /** One connection per client. */
    public Settings(String model, int[] clientCounts, int totalBatch, int warmupSteps, int measuredSteps, int heapMb,
        long seed) {
      this(model, clientCounts, totalBatch, warmupSteps, measuredSteps, heapMb, seed, List.of(PLAIN));
    }
  }

  /**
   * @param clientCpuSecondsPerStep CPU time of the simulated clients' callbacks (their whole compute: tokenizer
   *     forward, loss, backward, optimizer, tensor coding) in this JVM between the server's consecutive step
   *     ends: what a deployment runs on the devices, and what shares the cores with the server here
   */
  public record Row(String hosting, int clients, int clientBatch, Timings stepSeconds, double stepVsCentralized,
      Timings serverCpuSecondsPerStep, Timings serverJitSecondsPerStep, Timings clientCpuSecondsPerStep, long idleRss,
      long peakRssTraining, long peakRssDelta, long peakRssWithEpochEnd, long liveHeapAfterLastStep,
      int optimizerStates, int serverThreads, double memoryRatioVsFirst, double deltaRatioVsFirst, int round) {}

  public record Result(String model, String description, int totalBatch, int heapMb, Timings centralizedStepSeconds,
      List<Row> rows, String method) {}

  /** Data, partition and settings of one configuration, built identically by the server process and the clients. */
  record Setup(SimulationConfig config, DatasetSplit data, Partition partition, MpslSetup setup) {}

  static Setup setup(String model, int clients, int clientBatch, int steps, long seed) {
    DatasetSplit data = SyntheticData.mnistShaped(clients * clientBatch * steps, 1000, seed);
    ModelConfig m = BenchModels.of(model, data.train());
    SimulationConfig c = new SimulationConfig(m, clients, clientBatch, 1, 1e-4f, 5, 1e5, 1, seed,
        Duration.ofMinutes(10), 2);
    Partition p = MpslSetup.partition(data.train(), clients, 1e5, 1, seed);
    return new Setup(c, data, p, new MpslSetup(c, data, p));
  }

  public static Result run(Settings s, Consumer<String> log) throws IOException, InterruptedException {
    int steps = s.warmupSteps() + s.measuredSteps();
    Timings central;
    {
      DatasetSplit data = SyntheticData.mnistShaped(s.totalBatch() * 4, 10, s.seed());
      try (CentralizedRun c = new CentralizedRun(BenchModels.of(s.model(), data.train()), data.train(), s.totalBatch(),
          1e-4f, s.seed())) {
        c.steps(s.warmupSteps() + 1);
        central = Timings.of(c.steps(s.measuredSteps()));
      }
      log.accept(String.format("B2 %s: centralized step at batch %d: median %.3f s", s.model(), s.totalBatch(),
          central.median()));
    }
    List<Row> rows = new ArrayList<>();
    for (int round = 0; round < s.rounds(); round++) {
      if (s.rounds() > 1) {
        log.accept(String.format("B2 round %d of %d", round + 1, s.rounds()));
      }
      runRound(s, round, steps, central, rows, log);
    }
    return new Result(s.model(), BenchModels.describe(s.model()), s.totalBatch(), s.heapMb(), central, rows,
        "server in its own JVM (-Xms=-Xmx=" + s.heapMb() + "m, pre-touched), clients in the benchmark JVM over "
            + "loopback TCP (hosting " + PLAIN + ": one connection each; " + BUNDLED + ": one connection and one Bundled "
            + "stream for all, one frame per phase); RSS from /proc/<server>/status, peak = VmHWM reset after the idle "
            + "reading, read at the last training step (before the epoch end); " + s.warmupSteps() + " uncounted warm-up "
            + "steps and " + s.measuredSteps() + " counted per client count; simulated clients' CPU: their callbacks on a "
            + "pool of " + Runtime.getRuntime().availableProcessors() + " threads in the benchmark JVM"
            + (s.rounds() > 1 ? "; " + s.rounds() + " rounds, each running every configuration once in turn, ratios "
                + "taken within a round" : ""));
  }

  /** Every configuration once (client counts × hostings, in order), its rows added to {@code rows}. */
  private static void runRound(Settings s, int round, int steps, Timings central, List<Row> rows, Consumer<String> log)
      throws IOException, InterruptedException {
    for (int n : s.clientCounts()) {
      for (String hosting : s.hostings()) {
        int b = s.totalBatch() / n;
        List<Long> clientCpu = new ArrayList<>();
        ServerProbe.Report r = runOne(s, n, b, steps, hosting, clientCpu, log);
        double[] measured = Arrays.copyOfRange(r.stepSeconds(), s.warmupSteps(), steps);
        Timings t = Timings.of(measured);
        long delta = r.peakRssTraining() - r.idleRss();
        Row first = rows.stream().filter(x -> x.hosting().equals(hosting) && x.round() == round).findFirst()
            .orElse(null);
        Timings cpu = Timings.of(Arrays.copyOfRange(r.stepCpuSeconds(), s.warmupSteps(), steps));
        Timings clients = Timings.of(perStep(clientCpu, s.warmupSteps(), steps));
        Timings jit = Timings.of(Arrays.copyOfRange(r.stepJitSeconds(), s.warmupSteps(), steps));
        rows.add(new Row(hosting, n, b, t, t.median() / central.median(), cpu, jit, clients, r.idleRss(),
            r.peakRssTraining(), delta, r.peakRssWithEpochEnd(), r.liveHeapAfterLastStep(), r.optimizerStates(), r.threadsAtLastStep(),
            first == null ? 1.0 : (double) r.peakRssTraining() / first.peakRssTraining(),
            first == null ? 1.0 : (double) delta / first.peakRssDelta(), round));
        log.accept(String.format("  %-7s %4d clients x %3d: step median %.3f s (server CPU %.3f s, of it JIT %.3f s; "
                + "clients' CPU %.3f s), server RSS idle %.0f MiB, peak %.0f MiB (+%.0f MiB), live heap %.0f MiB",
            hosting, n, b, t.median(), cpu.median(), jit.median(), clients.median(), r.idleRss() / 1048576.0,
            r.peakRssTraining() / 1048576.0, delta / 1048576.0, r.liveHeapAfterLastStep() / 1048576.0));
      }
    }
  }

  /** Seconds between consecutive readings {@code nanos} (the first from 0), steps [from, to). */
  private static double[] perStep(List<Long> nanos, int from, int to) {
    if (nanos.size() < to) {
      return new double[] {Double.NaN};
    }
    double[] out = new double[to - from];
    for (int i = from; i < to; i++) {
      out[i - from] = (nanos.get(i) - (i == 0 ? 0 : nanos.get(i - 1))) / 1e9;
    }
    return out;
  }

  /**
   * @param clientCpuAtStepEnds receives, at each step end the server reports, the simulated clients' callback CPU
   *     nanoseconds so far
   */
  private static ServerProbe.Report runOne(Settings s, int clients, int clientBatch, int steps, String hosting,
      List<Long> clientCpuAtStepEnds, Consumer<String> log) throws IOException, InterruptedException {
    Path err = Files.createTempFile("mpsl4j-server-probe", ".log");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!a.startsWith("-Xmx") && !a.startsWith("-Xms") && !a.startsWith("-XX:StartFlightRecording")
          && !a.startsWith("-XX:FlightRecorderOptions") && !a.startsWith("-agent")) {
        cmd.add(a);
      }
    }
    String extra = System.getProperty("mpsl4j.bench.serverJvmArgs", "").trim();
    if (!extra.isEmpty()) {
      cmd.addAll(List.of(extra.split("\\s+"))); // e.g. a profiler agent for the server process alone
    }
    cmd.addAll(List.of("-Xms" + s.heapMb() + "m", "-Xmx" + s.heapMb() + "m", "-XX:+AlwaysPreTouch", "-cp",
        System.getProperty("java.class.path"), ServerProbe.class.getName(), s.model(), String.valueOf(clients),
        String.valueOf(clientBatch), String.valueOf(steps), String.valueOf(s.seed())));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err.toFile());
    // Where unset (tests, --keep-env), libgomp's spin-waiting can slow the server's first libtorch thread
    // many-fold on a shared machine (docs/BENCHMARKS.md): the server process gets the suite's setting.
    pb.environment().putIfAbsent("OMP_WAIT_POLICY", "PASSIVE");
    Process p = pb.start();
    List<org.mpsl4j.engine.mpsl.MpslClient> hosted = new ArrayList<>();
    List<ManagedChannel> channels = new ArrayList<>();
    List<CompletableFuture<Status>> streams = new ArrayList<>();
    // The simulated clients' callbacks (their whole compute) share one pool the size of the machine, as the
    // in-process simulation's clients do; gRPC's default pool would run them on ~130 threads at 1000 clients.
    CpuCountingPool clientPool = new CpuCountingPool(Runtime.getRuntime().availableProcessors());
    org.mpsl4j.engine.mpsl.StackedClients stacked = null;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line = out.readLine();
      while (line != null && !line.startsWith("PORT ")) {
        line = out.readLine(); // e.g. a profiler agent's banner
      }
      if (line == null) {
        throw new IllegalStateException("server process did not start: " + line + "\n" + tail(err));
      }
      int port = Integer.parseInt(line.substring(5).trim());
      Setup setup = setup(s.model(), clients, clientBatch, steps, s.seed());
      if (hosting.equals(BUNDLED) || hosting.equals(STACKED)) {
        ManagedChannel ch = TcpTransport.connect("127.0.0.1", port, setup.setup().maxMessageBytes(), null,
            clientPool);
        channels.add(ch);
        for (int i = 0; i < clients; i++) {
          hosted.add(setup.setup().client(i, ""));
        }
        BundledClients bundle = new BundledClients(hosted, ch, clientPool, Runtime.getRuntime().availableProcessors());
        if (hosting.equals(STACKED)) {
          stacked = bundle.stacked().stackedCompute();
        }
        streams.addAll(bundle.start());
      } else {
        for (int i = 0; i < clients; i++) {
          ManagedChannel ch = TcpTransport.connect("127.0.0.1", port, setup.setup().maxMessageBytes(), null,
              clientPool);
          channels.add(ch);
          ClientRunner r = new ClientRunner(setup.setup().client(i, ""), ch);
          hosted.add(r.client());
          streams.add(r.start());
        }
      }
      while ((line = out.readLine()) != null) {
        if (line.startsWith("STEP ")) {
          clientCpuAtStepEnds.add(clientPool.cpuNanos());
        }
        if (line.startsWith("RESULT ")) {
          ServerProbe.Report report = new ObjectMapper().readValue(line.substring(7), ServerProbe.Report.class);
          if (stacked != null) {
            log.accept("  stacked client compute: " + (stacked.active() ? "on" : "off, per-client path: "
                + stacked.refusal()));
          }
          try {
            CompletableFuture.allOf(streams.toArray(new CompletableFuture<?>[0])).get(2, TimeUnit.MINUTES);
          } catch (Exception e) {
            log.accept("  (clients did not all finish cleanly: " + e + ")");
          }
          return report;
        }
      }
      throw new IllegalStateException("server process ended without a result (exit " + p.waitFor() + ")\n" + tail(err));
    } finally {
      for (ManagedChannel ch : channels) {
        ch.shutdownNow();
      }
      for (ManagedChannel ch : channels) {
        ch.awaitTermination(5, TimeUnit.SECONDS);
      }
      clientPool.shutdownNow();
      clientPool.awaitTermination(10, TimeUnit.SECONDS); // no callback may still use a client closed below
      for (org.mpsl4j.engine.mpsl.MpslClient c : hosted) {
        c.close();
      }
      if (stacked != null) {
        stacked.close();
      }
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      Files.deleteIfExists(err);
    }
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }
}
