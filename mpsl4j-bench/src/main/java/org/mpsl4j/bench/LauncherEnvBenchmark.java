package org.mpsl4j.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The effect of the launcher's process settings, each variant in a fresh JVM ({@link EnvProbe}),
 * variants alternating over rounds (A B C D A B C D) so drift hits all (see {@link #variants()}).
 */
public final class LauncherEnvBenchmark {
  private LauncherEnvBenchmark() {}

  static final List<String> MALLOC = List.of("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_");
  /** What {@code ./mpsl4j} sets (docs/ARCHITECTURE.md, "Native memory and autograd"). */
  static final Map<String, String> LAUNCHER_MALLOC = Map.of("MALLOC_MMAP_THRESHOLD_", "33554432",
      "MALLOC_TRIM_THRESHOLD_", "4294967296", "MALLOC_TOP_PAD_", "1073741824");

  public record Variant(String name, Map<String, String> set, List<String> unset, int threads) {}

  /** Median seconds per workload, mean over rounds; {@code vsLauncher} = this / the first variant (below 1 = faster). */
  public record Row(String variant, Map<String, Double> seconds, Map<String, Double> vsLauncher) {}

  public record Result(int rounds, int steps, List<Row> rows) {}

  /**
   * The first variant is the reference the others are divided by: the launcher's settings plus
   * {@code OMP_WAIT_POLICY=PASSIVE} (what {@code mpsl4j bench} runs with). Then: the launcher exactly as
   * it is (libgomp spins); PASSIVE without the {@code MALLOC_*} variables (their effect alone); PASSIVE
   * with one libtorch thread.
   */
  public static List<Variant> variants() {
    int cores = Runtime.getRuntime().availableProcessors();
    String n = String.valueOf(cores);
    Map<String, String> passive = with(with(LAUNCHER_MALLOC, "OMP_NUM_THREADS", n), "OMP_WAIT_POLICY", "PASSIVE");
    return List.of(
        new Variant("launcher + OMP_WAIT_POLICY=PASSIVE (" + cores + " threads)", passive, List.of(), cores),
        new Variant("launcher as is (MALLOC_* set, OMP_WAIT_POLICY unset)", with(LAUNCHER_MALLOC, "OMP_NUM_THREADS", n),
            List.of("OMP_WAIT_POLICY"), cores),
        new Variant("PASSIVE, without MALLOC_*", Map.of("OMP_NUM_THREADS", n, "OMP_WAIT_POLICY", "PASSIVE"), MALLOC,
            cores),
        new Variant("PASSIVE, 1 libtorch thread", with(passive, "OMP_NUM_THREADS", "1"), List.of(), 1));
  }

  private static Map<String, String> with(Map<String, String> m, String k, String v) {
    Map<String, String> out = new LinkedHashMap<>(m);
    out.put(k, v);
    return out;
  }

  private static List<String> concat(List<String> a, String b) {
    List<String> out = new ArrayList<>(a);
    out.add(b);
    return out;
  }

  public static Result run(int rounds, int steps, Consumer<String> log) throws IOException, InterruptedException {
    List<Variant> vs = variants();
    List<Map<String, List<Double>>> acc = new ArrayList<>();
    for (int i = 0; i < vs.size(); i++) {
      acc.add(new LinkedHashMap<>());
    }
    for (int round = 0; round < rounds; round++) {
      for (int i = 0; i < vs.size(); i++) {
        Map<String, Double> r = probe(vs.get(i), steps);
        log.accept("  round " + (round + 1) + ", " + vs.get(i).name() + ": " + r);
        for (Map.Entry<String, Double> e : r.entrySet()) {
          acc.get(i).computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
        }
      }
    }
    List<Row> rows = new ArrayList<>();
    Map<String, Double> base = null;
    for (int i = 0; i < vs.size(); i++) {
      Map<String, Double> mean = new LinkedHashMap<>();
      acc.get(i).forEach((k, v) -> mean.put(k, v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN)));
      if (base == null) {
        base = mean;
      }
      Map<String, Double> ratio = new LinkedHashMap<>();
      for (Map.Entry<String, Double> e : mean.entrySet()) {
        ratio.put(e.getKey(), e.getValue() / base.get(e.getKey()));
      }
      rows.add(new Row(vs.get(i).name(), mean, ratio));
    }
    return new Result(rounds, steps, rows);
  }

  private static Map<String, Double> probe(Variant v, int steps) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("-Dai.djl.pytorch.num_threads=")) {
        continue;
      }
      if (!a.startsWith("-XX:StartFlightRecording") && !a.startsWith("-agent")) {
        cmd.add(a);
      }
    }
    cmd.add("-Dai.djl.pytorch.num_threads=" + v.threads());
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), EnvProbe.class.getName(), String.valueOf(steps)));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    v.unset().forEach(pb.environment()::remove);
    pb.environment().putAll(v.set());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException("probe '" + v.name() + "' failed:\n" + out);
    }
    for (String line : out.split("\n")) {
      if (line.startsWith("RESULT ")) {
        return new ObjectMapper().readValue(line.substring(7), new TypeReference<LinkedHashMap<String, Double>>() { });
      }
    }
    throw new IllegalStateException("probe '" + v.name() + "' printed no result:\n" + out);
  }
}
