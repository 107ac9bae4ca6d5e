package org.mpsl4j.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a benchmark ran on: cores, CPU model, JVM, libtorch threads, glibc malloc settings, JVM flags. */
public record Machine(int cores, String cpu, String memory, String os, String java, String libtorchThreads,
    Map<String, String> mallocEnv, List<String> jvmArgs, String loadAverage) {

  public static Machine describe() {
    Map<String, String> malloc = new LinkedHashMap<>();
    for (String k : List.of("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "OMP_NUM_THREADS",
        "OMP_WAIT_POLICY")) {
      malloc.put(k, System.getenv().getOrDefault(k, "(unset)"));
    }
    return new Machine(Runtime.getRuntime().availableProcessors(), cpuinfo("model name"), meminfo(),
        System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version") + " ("
            + System.getProperty("java.vm.vendor") + ")",
        System.getProperty("ai.djl.pytorch.num_threads", "default (all cores)"), malloc,
        ManagementFactory.getRuntimeMXBean().getInputArguments(), currentLoadAverage());
  }

  /** The 1, 5 and 15 minute load averages (other processes compete for the cores). */
  public static String currentLoadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static String cpuinfo(String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith(key)) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      return System.getProperty("os.arch");
    }
    return "unknown";
  }

  private static String meminfo() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          long kb = Long.parseLong(line.replaceAll("\\D", ""));
          return String.format("%.1f GiB", kb / 1048576.0);
        }
      }
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
    return "unknown";
  }
}
