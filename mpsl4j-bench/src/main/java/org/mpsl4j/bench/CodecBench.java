package org.mpsl4j.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/** Runs {@link CodecBenchmark} through JMH's API (one fork per case, {@code -prof gc}) and summarizes it. */
public final class CodecBench {
  private CodecBench() {}

  /**
   * @param mbPerSecond float32 megabytes processed per second
   * @param wireBytes serialized bytes of one message of this codec and shape
   */
  public record Row(String benchmark, String codec, String shape, double msPerOp, double msError, double mbPerSecond,
      double allocBytesPerOp, long wireBytes) {}

  public record Summary(String tensor, long payloadBytes, int forks, int warmupIterations, int iterations,
      List<Row> rows) {}

  /**
   * @param quick fewer and shorter iterations (for a smoke run)
   * @param verbose JMH's own progress output
   */
  public static Summary run(boolean quick, boolean verbose) throws RunnerException {
    return run(quick, verbose, List.of("64x197x384"));
  }

  /** @param shapes values of {@link CodecBenchmark#shape}, e.g. 64x197x384 and 1x17x64 */
  public static Summary run(boolean quick, boolean verbose, List<String> shapes) throws RunnerException {
    int warmup = quick ? 1 : 2;
    int iterations = quick ? 2 : 4;
    List<String> jvmArgs = new ArrayList<>();
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!a.startsWith("-XX:StartFlightRecording") && !a.startsWith("-XX:FlightRecorderOptions")
          && !a.startsWith("-agent")) {
        jvmArgs.add(a);
      }
    }
    ChainedOptionsBuilder o = new OptionsBuilder()
        .include(CodecBenchmark.class.getName() + "\\.")
        .addProfiler(GCProfiler.class)
        .forks(1)
        .warmupIterations(warmup).warmupTime(TimeValue.milliseconds(quick ? 300 : 1000))
        .measurementIterations(iterations).measurementTime(TimeValue.milliseconds(quick ? 300 : 1000))
        .jvmArgs(jvmArgs.toArray(new String[0]))
        .param("shape", shapes.toArray(new String[0]))
        .shouldFailOnError(true)
        .verbosity(verbose ? VerboseMode.NORMAL : VerboseMode.SILENT);
    Collection<RunResult> results = new Runner(o.build()).run();
    List<Row> rows = new ArrayList<>();
    Map<String, Long> wireBytes = new java.util.HashMap<>();
    for (RunResult r : results) {
      String name = r.getParams().getBenchmark();
      name = name.substring(name.lastIndexOf('.') + 1);
      String codec = r.getParams().getParam("codec");
      String shape = r.getParams().getParam("shape");
      double mb = CodecBenchmark.bytes(shape) / 1e6;
      Result<?> primary = r.getPrimaryResult();
      double ms = primary.getScore();
      Map<String, Result> secondary = r.getSecondaryResults();
      Result<?> alloc = secondary.get("gc.alloc.rate.norm");
      long wire = wireBytes.computeIfAbsent(codec + "@" + shape, k -> CodecBenchmark.wireBytes(codec, shape));
      rows.add(new Row(name, codec, shape, ms, primary.getScoreError(), mb / (ms / 1000.0),
          alloc == null ? Double.NaN : alloc.getScore(), wire));
    }
    rows.sort((a, b) -> !a.shape().equals(b.shape()) ? b.shape().length() - a.shape().length()
        : a.benchmark().equals(b.benchmark()) ? CODECS.indexOf(a.codec()) - CODECS.indexOf(b.codec())
        : order(a.benchmark()) - order(b.benchmark()));
    return new Summary("float32 " + CodecBenchmark.SHAPE[0] + "x" + CodecBenchmark.SHAPE[1] + "x"
        + CodecBenchmark.SHAPE[2], CodecBenchmark.bytes(), 1, warmup, iterations, rows);
  }

  /** The codec parameter's values, in table order. */
  private static final List<String> CODECS = List.of("current", "before", "fp16", "bf16", "int8", "topk:0.1");

  private static int order(String benchmark) {
    return switch (benchmark) {
      case "encode" -> 0;
      case "decode" -> 1;
      case "roundTrip" -> 2;
      default -> 3;
    };
  }
}
