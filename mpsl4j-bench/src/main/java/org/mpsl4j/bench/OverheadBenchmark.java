package org.mpsl4j.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.engine.sim.MpslSetup;
import org.mpsl4j.engine.sim.SimulationConfig;
import org.mpsl4j.model.ModelConfig;

/**
 * B1: throughput of MPSL training over the in-memory port, over gRPC's in-process transport and over
 * loopback TCP, each divided by the throughput of centralized training of the same model with the
 * same total batch, the same libtorch threads, in the same JVM.
 *
 * <p>All four runs are built first and then take turns: each round runs {@code stepsPerTurn} steps
 * of each, in a rotating order, so slow phases of a shared machine hit all of them alike. The first
 * step of every turn is dropped (it absorbs the switch), round 0 is warm-up, and the ratio reported is
 * the median over rounds of the per-round ratios (paired, so drift between rounds cancels).
 */
public final class OverheadBenchmark {
  private OverheadBenchmark() {}

  static final int MAX_WARMUP_STEPS = 300;

  /**
   * @param model a {@link BenchModels} name
   * @param clients MPSL clients; centralized batch = clients × clientBatch
   * @param rounds measured rounds (after one warm-up round)
   * @param stepsPerTurn steps each run takes per turn (the first of each is not counted)
   * @param threads client worker threads of the in-process simulation
   * @param warmupSeconds each run takes turns of {@code stepsPerTurn} steps, uncounted, until it has run
   *     this long (at most {@value #MAX_WARMUP_STEPS} steps): gRPC/Netty's code needs many calls before
   *     the JIT compiler has settled
   */
  public record Settings(String model, int clients, int clientBatch, int rounds, int stepsPerTurn, int threads,
      double warmupSeconds, long seed) {
    public Settings {
      if (clients < 1 || clientBatch < 1 || rounds < 1 || stepsPerTurn < 2) {
        throw new IllegalArgumentException("need clients, client batch, rounds >= 1 and steps per turn >= 2");
      }
    }

    int totalBatch() {
      return clients * clientBatch;
    }
  }

  /** One run's counted step times and throughput. */
  public record Mode(String name, Timings stepSeconds, double samplesPerSecond, double ratio, double[] roundRatios,
      double kibUpPerStep, double kibDownPerStep) {}

  public record Result(String model, String description, int clients, int clientBatch, int totalBatch, int rounds,
      int stepsPerTurn, String threads, int[] warmupSteps, Mode centralized, Mode inMemory, Mode inProcess, Mode tcp,
      List<String> clientErrors) {}

  /** One of the runs that take turns. */
  @FunctionalInterface
  private interface Run {
    double[] steps(int k) throws InterruptedException;
  }

  private static final int RUNS = 4;

  public static Result run(Settings s, Consumer<String> log) throws IOException, InterruptedException {
    int stepsNeeded = 1 + MAX_WARMUP_STEPS + s.stepsPerTurn() + s.rounds() * s.stepsPerTurn();
    int samplesPerClient = stepsNeeded * s.clientBatch();
    DatasetSplit data = SyntheticData.mnistShaped(s.clients() * samplesPerClient, 200, s.seed());
    ModelConfig model = BenchModels.of(s.model(), data.train());
    float lr = 1e-4f;
    SimulationConfig config = new SimulationConfig(model, s.clients(), s.clientBatch(), 1, lr, 5, 1e5, 1, s.seed(),
        Duration.ofMinutes(5), s.threads());
    Partition partition = MpslSetup.partition(data.train(), s.clients(), 1e5, 1, s.seed());
    log.accept(String.format("B1 %s: %d clients x %d = batch %d, %d rounds x %d steps per run, after >= %.0f s of "
        + "warm-up per run", s.model(), s.clients(), s.clientBatch(), s.totalBatch(), s.rounds(), s.stepsPerTurn(),
        s.warmupSeconds()));
    String[] names = {"centralized", "mpsl in-memory", "mpsl in-process", "mpsl tcp"};
    List<List<Double>> times = new ArrayList<>();
    double[][] roundSps = new double[RUNS][s.rounds()];
    long[][] bytes = new long[RUNS][2];
    List<String> errors = new ArrayList<>();
    int[] warmupSteps = new int[RUNS];
    for (int i = 0; i < RUNS; i++) {
      times.add(new ArrayList<>());
    }
    try (CentralizedRun central = new CentralizedRun(model, data.train(), s.totalBatch(), lr, s.seed());
        InMemoryMpslRun inMemory = new InMemoryMpslRun(config, data, partition);
        MpslRun inProcess = new MpslRun(config, data, partition, MpslRun.Transport.IN_PROCESS);
        MpslRun tcp = new MpslRun(config, data, partition, MpslRun.Transport.TCP)) {
      central.steps(1);
      inMemory.steps(1);
      MpslRun[] mpsl = {null, null, inProcess, tcp};
      Run[] runs = {central::steps, inMemory::steps, inProcess::steps, tcp::steps};
      // Warm-up: turns until each run has run warmupSeconds (JIT, allocator and caches settle).
      double[] warm = new double[RUNS];
      for (int turn = 0; turn * s.stepsPerTurn() < MAX_WARMUP_STEPS; turn++) {
        boolean more = false;
        for (int m = 0; m < RUNS; m++) {
          if (warm[m] < s.warmupSeconds()) {
            Thread.sleep(50);
            double[] t = runs[m].steps(s.stepsPerTurn());
            warm[m] += Arrays.stream(t).sum();
            warmupSteps[m] += t.length;
            more |= warm[m] < s.warmupSeconds();
          }
        }
        if (!more) {
          break;
        }
      }
      log.accept(String.format("  warm-up steps: centralized %d, in-memory %d, in-process %d, tcp %d", warmupSteps[0],
          warmupSteps[1], warmupSteps[2], warmupSteps[3]));
      Thread.sleep(200);
      long[][] bytesAtStart = {null, null, inProcess.clientBytes(), tcp.clientBytes()};
      for (int round = 1; round <= s.rounds(); round++) {
        for (int j = 0; j < RUNS; j++) {
          int m = (round + j) % RUNS;
          Thread.sleep(50); // let the previous run's clients finish their last backward before timing another
          double[] t = runs[m].steps(s.stepsPerTurn());
          double[] counted = Arrays.copyOfRange(t, 1, t.length);
          double sum = 0;
          for (double x : counted) {
            times.get(m).add(x);
            sum += x;
          }
          roundSps[m][round - 1] = counted.length * s.totalBatch() / sum;
        }
        {
          double c = roundSps[0][round - 1];
          log.accept(String.format("  round %d: samples/s centralized %.1f, in-memory %.1f (%.3f), in-process %.1f"
              + " (%.3f), tcp %.1f (%.3f)", round, c, roundSps[1][round - 1], roundSps[1][round - 1] / c,
              roundSps[2][round - 1], roundSps[2][round - 1] / c, roundSps[3][round - 1], roundSps[3][round - 1] / c));
        }
      }
      // Bytes over all measured turns (a turn's last cut gradient arrives after its last step ends).
      Thread.sleep(200);
      for (int m = 2; m < RUNS; m++) {
        long[] end = mpsl[m].clientBytes();
        bytes[m][0] = end[0] - bytesAtStart[m][0];
        bytes[m][1] = end[1] - bytesAtStart[m][1];
      }
      for (MpslRun r : List.of(inProcess, tcp)) {
        for (String e : r.clientErrors()) {
          errors.add(r.transport() + ": " + e);
        }
      }
    }
    if (!errors.isEmpty()) {
      log.accept("  errors reported to clients: " + errors);
    }
    Mode[] modes = new Mode[RUNS];
    int stepsPerRun = s.rounds() * s.stepsPerTurn();
    for (int m = 0; m < RUNS; m++) {
      double[] t = times.get(m).stream().mapToDouble(Double::doubleValue).toArray();
      double sum = Arrays.stream(t).sum();
      double[] ratios = new double[s.rounds()];
      for (int r = 0; r < s.rounds(); r++) {
        ratios[r] = roundSps[m][r] / roundSps[0][r];
      }
      modes[m] = new Mode(names[m], Timings.of(t), t.length * s.totalBatch() / sum, median(ratios), ratios,
          bytes[m][0] / 1024.0 / stepsPerRun, bytes[m][1] / 1024.0 / stepsPerRun);
    }
    return new Result(s.model(), BenchModels.describe(s.model()), s.clients(), s.clientBatch(), s.totalBatch(),
        s.rounds(), s.stepsPerTurn(), System.getProperty("ai.djl.pytorch.num_threads", "default"), warmupSteps,
        modes[0], modes[1], modes[2], modes[3], errors);
  }

  /**
   * One of the runs alone, for a profiler: {@code mode} is centralized, in-memory, in-process or tcp.
   * Returns the step times after {@code warmup} steps.
   */
  public static Timings single(Settings s, String mode, int warmup, int steps, Consumer<String> log)
      throws IOException, InterruptedException {
    int stepsNeeded = 1 + warmup + steps;
    DatasetSplit data = SyntheticData.mnistShaped(s.clients() * stepsNeeded * s.clientBatch(), 200, s.seed());
    ModelConfig model = BenchModels.of(s.model(), data.train());
    SimulationConfig config = new SimulationConfig(model, s.clients(), s.clientBatch(), 1, 1e-4f, 5, 1e5, 1, s.seed(),
        Duration.ofMinutes(5), s.threads());
    Partition partition = MpslSetup.partition(data.train(), s.clients(), 1e5, 1, s.seed());
    double[] t;
    long start;
    if (mode.equals("centralized")) {
      try (CentralizedRun c = new CentralizedRun(model, data.train(), s.totalBatch(), 1e-4f, s.seed())) {
        c.steps(1 + warmup);
        log.accept("warm-up done; measuring " + steps + " steps");
        start = System.nanoTime();
        t = c.steps(steps);
      }
    } else if (mode.equals("in-memory")) {
      try (InMemoryMpslRun r = new InMemoryMpslRun(config, data, partition)) {
        r.steps(1 + warmup);
        log.accept("warm-up done; measuring " + steps + " steps");
        start = System.nanoTime();
        t = r.steps(steps);
      }
    } else {
      MpslRun.Transport tr = mode.equals("tcp") ? MpslRun.Transport.TCP : MpslRun.Transport.IN_PROCESS;
      try (MpslRun r = new MpslRun(config, data, partition, tr)) {
        r.steps(warmup);
        log.accept("warm-up done; measuring " + steps + " steps");
        start = System.nanoTime();
        t = r.steps(steps);
        log.accept("client errors: " + r.clientErrors());
      }
    }
    StringBuilder chunks = new StringBuilder();
    int chunk = Math.max(1, steps / 10);
    for (int i = 0; i + chunk <= t.length; i += chunk) {
      chunks.append(String.format(" %.4f", Timings.of(Arrays.copyOfRange(t, i, i + chunk)).median()));
    }
    log.accept("median step s per " + chunk + " steps:" + chunks);
    Timings timings = Timings.of(t);
    log.accept(String.format("%s %s: %d steps in %.2f s, median %.4f s, %.1f samples/s", s.model(), mode, steps,
        (System.nanoTime() - start) / 1e9, timings.median(), s.totalBatch() / timings.mean()));
    return timings;
  }

  static double median(double[] xs) {
    return Timings.of(xs).median();
  }
}
