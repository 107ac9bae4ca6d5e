package org.mpsl4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One measurement of {@link LauncherEnvBenchmark} in a fresh JVM (environment variables such as the
 * glibc malloc settings and {@code OMP_WAIT_POLICY} act only at process start): median step times of
 * centralized training and of MPSL in-process (small model, 10 × 10), and of the MiniLM-shape training
 * step at batch 32. Prints {@code RESULT <json>}.
 */
public final class EnvProbe {
  private EnvProbe() {}

  public static void main(String[] args) throws Exception {
    int steps = Integer.parseInt(args[0]);
    Map<String, Double> out = new LinkedHashMap<>();
    OverheadBenchmark.Settings s = new OverheadBenchmark.Settings(BenchModels.SMALL, 10, 10, 1, 2, 2, 0, 2024);
    out.put("centralized small b100", OverheadBenchmark.single(s, "centralized", 3, steps, l -> { }).median());
    out.put("mpsl in-process small 10x10", OverheadBenchmark.single(s, "in-process", 3, steps, l -> { }).median());
    PyTorchReference.Shape m = PyTorchReference.shapes("minilm").get(0);
    out.put("train step minilm-shape b32", StepBenchmark.run(m.name(), m.config(), 32, 1, 3, 1).trainStep().median());
    System.out.println("RESULT " + new ObjectMapper().writeValueAsString(out));
    System.out.flush();
    System.exit(0);
  }
}
