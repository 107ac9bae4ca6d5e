package org.mpsl4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.mpsl4j.bench.MemoryBenchmark;
import org.mpsl4j.bench.BenchMarkdown;
import org.mpsl4j.bench.BenchSuite;
import org.mpsl4j.bench.OverheadBenchmark;
import org.mpsl4j.bench.PyTorchReference;
import org.mpsl4j.bench.StepBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code mpsl4j bench}: the benchmark suite of issue 8 (B1 MPSL overhead vs centralized training,
 * in-process and TCP; B2 server memory and step time with 10/100/1000 clients; B3 the tensor codec
 * under JMH; B4 the same step in PyTorch), or one of its parts, or the training-step timing of
 * reference shapes ({@code step}, also what {@code --model} selects).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Benchmarks. Without a mode: the whole suite (B1-B4, under 10 minutes on 2 cores); writes "
        + "results/bench/<time>/bench.json and bench.md.",
        "Modes: suite | overhead (B1) | scale (B2) | memory (peak RSS of simulate at 10/100/1000 clients, "
            + "image and image+text, pretrained encoder; not in the suite) | codec (B3, JMH) | pytorch (B4) | step (training step of "
            + "reference shapes; also selected by --model) | profile (one B1 run alone, for a profiler) | env (effect of "
            + "the launcher's malloc/thread settings, fresh JVM per variant) | all (suite + env)."})
final class BenchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", defaultValue = "suite",
      description = "suite | overhead | scale | codec | pytorch | env | all (suite + env) | step | profile "
          + "(default: ${DEFAULT-VALUE}).")
  String mode;

  @Option(names = "--model", description = "step mode: vit-tiny | minilm | all (giving it selects the step mode).")
  String model;

  @Option(names = "--batch", defaultValue = "32", description = "step and B4: batch size (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--warmup", defaultValue = "2", description = "step: warm-up iterations (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--iterations", defaultValue = "5", description = "step: measured iterations (default: ${DEFAULT-VALUE}).")
  int iterations;

  @Option(names = "--pytorch-iterations", defaultValue = "3",
      description = "B4: measured iterations per round, 2 rounds (default: ${DEFAULT-VALUE}).")
  int pytorchIterations;

  @Option(names = "--b1-models", defaultValue = "small,simulate", split = ",",
      description = "B1 model shapes: small, simulate (default: ${DEFAULT-VALUE}).")
  List<String> b1Models;

  @Option(names = "--clients", defaultValue = "10", description = "B1 clients (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(names = "--client-batch", defaultValue = "10", description = "B1 samples per client (default: ${DEFAULT-VALUE}).")
  int clientBatch;

  @Option(names = "--rounds", defaultValue = "0",
      description = "B1 measured rounds; 0 = by model: small 12, simulate 5 (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--steps-per-turn", defaultValue = "0",
      description = "B1 steps per run and round; 0 = by model: small 6, simulate 3 (default: ${DEFAULT-VALUE}).")
  int stepsPerTurn;

  @Option(names = "--warmup-s", defaultValue = "15",
      description = "B1 warm-up seconds per run, uncounted (default: ${DEFAULT-VALUE}).")
  double warmupSeconds;

  @Option(names = "--threads", defaultValue = "2",
      description = "Client worker threads of the in-process simulation (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--scale-model", defaultValue = "small", description = "B2 model shape (default: ${DEFAULT-VALUE}).")
  String scaleModel;

  @Option(names = "--scale-clients", defaultValue = "10,100,1000", split = ",",
      description = "B2 client counts (default: ${DEFAULT-VALUE}).")
  int[] scaleClients;

  @Option(names = "--scale-batch", defaultValue = "1000", description = "B2 total batch (default: ${DEFAULT-VALUE}).")
  int scaleBatch;

  @Option(names = "--scale-steps", defaultValue = "4",
      description = "B2 measured steps, after the warm-up steps (default: ${DEFAULT-VALUE}).")
  int scaleSteps;

  @Option(names = "--scale-warmup", defaultValue = "3",
      description = "B2 uncounted warm-up steps per client count (default: ${DEFAULT-VALUE}; --quick: 1).")
  int scaleWarmup;

  @Option(names = "--scale-hosting", defaultValue = "plain", split = ",",
      description = "B2: how the simulated clients are hosted, each run side by side: plain (one connection per "
          + "client), bundled (one connection, one frame per phase for all), stacked (bundled, and the clients' patch "
          + "tokenizers run as one stacked computation per phase; other models say why they run per client) "
          + "(default: ${DEFAULT-VALUE}).")
  List<String> scaleHosting;

  @Option(names = "--scale-rounds", defaultValue = "1",
      description = "B2: run every configuration this many times, in turn, and report the median of the per-round "
          + "ratios (a shared machine drifts between configurations run minutes apart) (default: ${DEFAULT-VALUE}).")
  int scaleRounds;

  @Option(names = "--scale-heap-mb", defaultValue = "768",
      description = "B2 server process heap, fixed and pre-touched (default: ${DEFAULT-VALUE}).")
  int scaleHeapMb;

  @Option(names = "--codec-shapes", defaultValue = "64x197x384", split = ",",
      description = "B3 tensor shapes, e.g. 64x197x384,1x17x64 (default: ${DEFAULT-VALUE}).")
  List<String> codecShapes;

  @Option(names = "--pytorch-models", defaultValue = "all", description = "B4 shapes: vit-tiny | minilm | all (default: ${DEFAULT-VALUE}).")
  String pytorchModels;

  @Option(names = "--profile-run", defaultValue = "tcp",
      description = "profile mode: centralized | in-memory | in-process | tcp (default: ${DEFAULT-VALUE}); model: first of --b1-models.")
  String profileRun;

  @Option(names = "--profile-steps", defaultValue = "100", description = "profile mode: steps (default: ${DEFAULT-VALUE}).")
  int profileSteps;

  @Option(names = "--env-rounds", defaultValue = "2", description = "env: alternating rounds (default: ${DEFAULT-VALUE}).")
  int envRounds;

  @Option(names = "--env-steps", defaultValue = "12", description = "env: measured steps per workload (default: ${DEFAULT-VALUE}).")
  int envSteps;

  @Option(names = "--keep-env", description = "Do not add OMP_WAIT_POLICY=PASSIVE where it is unset (see docs/BENCHMARKS.md).")
  boolean keepEnv;

  @Option(names = "--memory-clients", defaultValue = "10,100,1000", split = ",",
      description = "memory: client counts (default: ${DEFAULT-VALUE}).")
  int[] memoryClients;

  @Option(names = "--memory-samples", defaultValue = "2000",
      description = "memory: samples per split of each run (default: ${DEFAULT-VALUE}).")
  int memorySamples;

  @Option(names = "--memory-batch", defaultValue = "1000",
      description = "memory: total batch per step, split over the clients (default: ${DEFAULT-VALUE}).")
  int memoryBatch;

  @Option(names = "--memory-workloads", defaultValue = "image,text", split = ",",
      description = "memory: image (MNIST) and/or text (OpenClipart image + text), both with the pretrained encoder "
          + "(default: ${DEFAULT-VALUE}).")
  List<String> memoryWorkloads;

  @Option(names = "--memory-server-chunk", defaultValue = "100",
      description = "memory: simulate --server-chunk of every run: samples per server pass (0: one pass over the "
          + "whole batch, which alone needs gigabytes at a batch of 1,000) (default: ${DEFAULT-VALUE}).")
  int memoryServerChunk;

  @Option(names = "--memory-simulate-args", defaultValue = "",
      description = "memory: more simulate options for every run, as one string, e.g. \"--tokenizer-sync never "
          + "--client-batches equal\" for the paper's per-client tokenizers (default: simulate's own defaults).")
  String memorySimulateArgs;

  @Option(names = "--memory-no-warmup",
      description = "memory: skip the unmeasured first run that fills the data cache (when it is already filled).")
  boolean memoryNoWarmup;

  @Option(names = "--quick", description = "Short JMH iterations, 2 B1 rounds, 3 B2 steps (a smoke run).")
  boolean quick;

  @Option(names = "--out", description = "Output folder (default: results/bench/<time>; step mode: results/bench-step.json).")
  Path out;

  @Override
  public Integer call() throws Exception {
    if (System.getenv("OMP_WAIT_POLICY") == null && !keepEnv && !mode.equals("env") && !mode.equals("profile")) {
      return relaunchWithPassiveWait();
    }
    if (model != null || mode.equals("step")) {
      return step(model == null ? "vit-tiny" : model);
    }
    if (mode.equals("profile")) {
      // One B1 run alone (e.g. under JFR): --profile-run centralized | in-memory | in-process | tcp.
      OverheadBenchmark.Settings one =
          new OverheadBenchmark.Settings(b1Models.get(0), clients, clientBatch, 1, 2, threads, 0, 2024);
      OverheadBenchmark.single(one, profileRun, 3, profileSteps, System.out::println);
      return 0;
    }
    if (mode.equals("memory")) {
      return memory();
    }
    List<String> parts = switch (mode) {
      case "suite" -> List.of("b1", "b2", "b3", "b4");
      case "overhead", "b1" -> List.of("b1");
      case "scale", "b2" -> List.of("b2");
      case "codec", "b3" -> List.of("b3");
      case "pytorch", "b4" -> List.of("b4");
      case "env" -> List.of("env");
      case "all" -> List.of("b1", "b2", "b3", "b4", "env");
      default -> throw new IllegalArgumentException("unknown bench mode '" + mode
          + "' (suite, overhead, scale, codec, pytorch, env, all, step, profile)");
    };
    BenchSuite.Settings s = new BenchSuite.Settings(parts, b1Models, clients, clientBatch, quick ? 2 : rounds,
        stepsPerTurn, quick ? 3 : warmupSeconds, threads, scaleModel, scaleClients, scaleBatch, quick ? 1 : scaleWarmup,
        quick ? 2 : scaleSteps, scaleHeapMb, scaleHosting, scaleRounds, quick, codecShapes, pytorchModels, batch, 1, quick ? 2 : pytorchIterations,
        quick ? 1 : envRounds, quick ? 5 : envSteps, 2024);
    String policy = System.getenv("OMP_WAIT_POLICY");
    List<String> args = new ArrayList<>(spec.commandLine().getParseResult().originalArgs());
    if (!args.isEmpty() && args.get(0).equals("bench")) {
      args.remove(0);
    }
    boolean relaunched = System.getenv("MPSL4J_BENCH_RELAUNCHED") != null;
    String command = (policy == null || relaunched ? "" : "OMP_WAIT_POLICY=" + policy + " ") + "./mpsl4j bench "
        + String.join(" ", args) + (relaunched ? " (run in a JVM with OMP_WAIT_POLICY=PASSIVE added)" : "");
    System.out.println("mpsl4j bench: " + String.join(", ", parts) + (quick ? " (quick)" : ""));
    BenchSuite.Report report;
    try (TaskProgress progress = TaskProgress.start("bench", s.partCount())) {
      report = BenchSuite.run(s, command.trim(), line -> {
        System.out.println(line);
        System.out.flush();
      }, part -> progress.step(part + " done"));
    }
    Path dir = out != null ? out
        : Path.of("results", "bench", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    Files.createDirectories(dir);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("bench.json").toFile(), report);
    String md = BenchMarkdown.render(report);
    Files.writeString(dir.resolve("bench.md"), md);
    System.out.println();
    System.out.println(md);
    System.out.println("wrote " + dir.resolve("bench.json") + " and " + dir.resolve("bench.md"));
    return report.errors().isEmpty() ? 0 : 1;
  }

  /**
   * Runs this same command in a fresh JVM with {@code OMP_WAIT_POLICY=PASSIVE}. libgomp reads the
   * variable once, when libtorch loads, so it cannot be set from inside. Without it, libtorch's
   * OpenMP threads spin-wait, and on this shared 2-core machine the threads that first use libtorch
   * then run 5-20x slower (docs/BENCHMARKS.md, "Launcher settings"): the benchmarks would measure
   * that, not MPSL. {@code --keep-env} measures the environment as it is.
   */
  private int relaunchWithPassiveWait() throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(spec.commandLine().getParseResult().originalArgs());
    System.out.println("mpsl4j bench: OMP_WAIT_POLICY is unset; running the benchmarks in a JVM with "
        + "OMP_WAIT_POLICY=PASSIVE (use --keep-env to measure without it)");
    System.out.flush();
    ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
    pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
    pb.environment().put("MPSL4J_BENCH_RELAUNCHED", "1");
    return pb.start().waitFor();
  }

  /** Peak resident memory of simulate runs at each client count, one JVM per run ({@link MemoryBenchmark}). */
  private int memory() throws Exception {
    List<String> extra = memorySimulateArgs.isBlank() ? List.of() : List.of(memorySimulateArgs.trim().split("\\s+"));
    List<MemoryBenchmark.Workload> all = MemoryBenchmark.defaultWorkloads(memorySamples, memoryBatch,
        memoryServerChunk, extra);
    List<MemoryBenchmark.Workload> chosen = new ArrayList<>();
    for (String w : memoryWorkloads) {
      switch (w.trim()) {
        case "image" -> chosen.add(all.get(0));
        case "text" -> chosen.add(all.get(1));
        default -> throw new IllegalArgumentException("unknown --memory-workloads entry '" + w + "' (image, text)");
      }
    }
    Path dir = out != null ? out : Path.of("results", "bench-memory",
        LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    String command = "./mpsl4j bench " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
    System.out.println("mpsl4j bench memory: peak resident memory of simulate, one run at a time; logs in " + dir);
    MemoryBenchmark.Result r = MemoryBenchmark.run(Main.class.getName(), chosen, memoryClients, !memoryNoWarmup, dir, command, line -> {
      System.out.println(line);
      System.out.flush();
    });
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("memory.json").toFile(), r);
    String md = MemoryBenchmark.markdown(r);
    Files.writeString(dir.resolve("memory.md"), md);
    System.out.println();
    System.out.println(md);
    System.out.println("wrote " + dir.resolve("memory.json") + " and " + dir.resolve("memory.md"));
    return r.rows().stream().allMatch(row -> row.exitCode() == 0) ? 0 : 1;
  }

  /** The training step of reference shapes (the original {@code bench}). */
  private int step(String which) throws Exception {
    if (PyTorchReference.shapes(which).isEmpty()) {
      throw new IllegalArgumentException("unknown --model '" + which + "' (vit-tiny, minilm, all)");
    }
    List<StepBenchmark.Result> results = new ArrayList<>();
    for (PyTorchReference.Shape s : PyTorchReference.shapes(which)) {
      results.add(StepBenchmark.run(s.name(), s.config(), batch, warmup, iterations, 1));
    }
    Table t = new Table("model", "batch", "fwd median s", "train step median s", "min s", "max s", "train samples/s");
    for (StepBenchmark.Result r : results) {
      t.row(r.model(), r.batch(), String.format("%.3f", r.forward().median()), String.format("%.3f", r.trainStep().median()),
          String.format("%.3f", r.trainStep().min()), String.format("%.3f", r.trainStep().max()),
          String.format("%.1f", r.trainSamplesPerSecond()));
    }
    System.out.printf("threads: %s (ai.djl.pytorch.num_threads), %d iterations after %d warm-up%n",
        System.getProperty("ai.djl.pytorch.num_threads", "default"), iterations, warmup);
    t.print(System.out);
    Path file = out != null ? out : Path.of("results", "bench-step.json");
    Files.createDirectories(file.toAbsolutePath().getParent());
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), results);
    System.out.println("wrote " + file);
    return 0;
  }
}
