package org.mpsl4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mpsl4j.model.train.Adam;
import org.mpsl4j.model.train.Losses;

/**
 * Training runs one NDManager scope per step, so neither the model's manager nor the process grows
 * over many steps. A leaked handle per step (an op result that joined the model's manager) would
 * show up here as a growing array count long before it shows as memory.
 */
final class MemoryStabilityTest {

  @Test
  void manySteps_noArraysOrMemoryAccumulate() throws IOException {
    ModelConfig config = TinyModels.threeModalities(NormPlacement.PRE, Fusion.EARLY);
    try (NDManager model = NDManager.newBaseManager()) {
      ClientModel client = new ClientModel(model, config, new Random(1));
      ServerModel server = new ServerModel(model, config, new Random(2));
      Adam clientOpt = new Adam(model, 1e-3f);
      Adam serverOpt = new Adam(model, 1e-3f);
      int arraysAfterWarmup = 0;
      long[] rss = new long[4];
      for (int step = 0; step < 275; step++) {
        try (NDManager scope = model.newSubManager()) {
          Map<String, NDArray> inputs = TinyModels.inputs(scope, config, 16, step);
          NDArray labels = TinyModels.labels(scope, 16, 3, step);
          try (Autograd.Recording r = Autograd.record()) {
            NDArray loss = Losses.crossEntropy(
                server.forward(client.forward(inputs, TinyModels.masks(scope, config, 16, 1)), true), labels);
            Autograd.backward(loss);
          }
          clientOpt.step(client.namedParameters(), scope);
          serverOpt.step(server.namedParameters(), scope);
        }
        if (step == 20) {
          arraysAfterWarmup = model.getManagedArrays().size();
        }
        if (step == 50 || step == 125 || step == 199 || step == 274) {
          System.gc();
          rss[step == 50 ? 0 : step == 125 ? 1 : step == 199 ? 2 : 3] = rssKb();
        }
      }
      assertThat(model.getManagedArrays()).hasSize(arraysAfterWarmup);
      System.out.printf("RSS KiB at steps 50, 125, 200, 275: %d %d %d %d%n", rss[0], rss[1], rss[2], rss[3]);
      // A per-step native leak grows linearly, in every window; allocator, heap and JIT growth come in
      // bursts (on a loaded machine one window grew 18 MiB with no leak). So at least one of two equal
      // later windows must stay within a small allowance.
      long growth = Math.min(rss[2] - rss[1], rss[3] - rss[2]);
      assertThat(growth).as("smaller RSS growth in KiB of the windows 125..200 and 200..275").isLessThan(16 * 1024);
    }
  }

  private static long rssKb() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D+", ""));
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }
}
