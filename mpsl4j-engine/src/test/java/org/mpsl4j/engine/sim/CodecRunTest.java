package org.mpsl4j.engine.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.Datasets;
import org.mpsl4j.engine.ModelFactory;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.Fusion;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.protocol.CodecSpec;

/**
 * MPSL with int8 activations and int8 cut gradients on real MNIST digits learns like float32 MPSL
 * from the same start, at a fraction of the bytes.
 *
 * <p>The bytes bound: an int8 row of d values costs d + 8 bytes (float32 scale and zero point) against
 * 4d, so at this model's width d = 64 the cut-layer tensors shrink 4·64/72 = 3.56×, and the whole
 * traffic (with RAW outputs, output gradients and the epoch-end tokenizer upload) a little less. The
 * issue's goal of 3.8× needs d ≥ 152 (e.g. MiniLM's 384: 3.92×); this test checks what d = 64 gives.
 */
final class CodecRunTest {
  @Test
  @Timeout(300) // a hang guard: 94 s measured with two other training jobs on the 2 cores, over 120 s with three
  void int8BothWays_learnsLikeFloat32_withAbout3point4TimesFewerBytes() throws Exception {
    Path dataDir = Path.of("target", "test-data");
    DataOptions options = DataOptions.builder().optSeed(2024).optMaxSamplesPerSplit(4000).build();
    Datasets.prepare("mnist", dataDir, options, System.out);
    DatasetSplit split = Datasets.load("mnist", dataDir, options);
    ModelConfig model = ModelFactory.forDataset(split.train(), EncoderConfig.small(64, 2, 4), Fusion.EARLY, 2, 7);
    SimulationConfig raw = new SimulationConfig(model, 10, 5, 2, 3e-3f, 5, 1e5, 10, 2024, Duration.ofSeconds(60), 2);
    CodecSpec int8 = CodecSpec.parse("int8");

    SimulationResult exact = new Simulation(raw, split).run(e -> {});
    SimulationResult packed = new Simulation(raw.withCodecs(int8, int8), split).run(e -> {});

    double exactAcc = exact.epochs().get(1).testAccuracy();
    double packedAcc = packed.epochs().get(1).testAccuracy();
    System.out.printf("float32: %.4f, int8: %.4f; bytes up %d → %d, down %d → %d%n", exactAcc, packedAcc,
        total(exact, 0), total(packed, 0), total(exact, 1), total(packed, 1));
    // Chance is 0.10; float32 reached 0.42 and int8 0.45 in this set-up (2 short epochs).
    assertThat(packedAcc).as("int8 test accuracy after 2 epochs").isGreaterThan(0.35);
    assertThat(packedAcc).as("int8 vs float32 accuracy").isGreaterThan(exactAcc - 0.03);
    double up = (double) total(exact, 0) / total(packed, 0);
    double down = (double) total(exact, 1) / total(packed, 1);
    assertThat(up).as("float32 ÷ int8 bytes up").isBetween(3.2, 3.56);
    assertThat(down).as("float32 ÷ int8 bytes down").isBetween(3.2, 3.56);
  }

  /** Training bytes of all clients, direction 0 = up, 1 = down. */
  private static long total(SimulationResult r, int direction) {
    return r.bytesPerClient().values().stream().mapToLong(b -> b[direction]).sum();
  }
}
