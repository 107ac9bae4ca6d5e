package org.mpsl4j.engine.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The padded sum of a private shared tokenizer's gradients, piece by piece (PrivateSharedTokenizerRunTest: a run). */
final class PaddedGradientsTest {
  private static final GroupPads PADS = GroupPads.fromClientSeed(77);

  private static float[] gradient(long seed, int n) {
    Random r = new Random(seed);
    float[] g = new float[n];
    for (int i = 0; i < n; i++) {
      g[i] = (float) (r.nextGaussian() * Math.pow(10, -1 - r.nextInt(8))); // 1e-1 … 1e-8: Adam weighs them all
    }
    return g;
  }

  @Test
  void theUnpaddedSumOfThreeClients_isTheirSum_within2e11() {
    float[][] g = {gradient(1, 500), gradient(2, 500), gradient(3, 500)};
    List<String> ids = List.of("a", "b", "c");
    long[] sum = new long[500];
    for (int c = 0; c < 3; c++) {
      PaddedGradients.add(sum, PaddedGradients.pad(g[c], PADS, 9, ids.get(c)));
    }

    float[] decoded = PaddedGradients.unpad(sum, PADS, 9, ids);

    for (int i = 0; i < 500; i++) {
      double plain = (double) g[0][i] + g[1][i] + g[2][i];
      assertThat(Math.abs(decoded[i] - plain)).as("value " + i).isLessThanOrEqualTo(2e-11 + Math.ulp((float) plain));
    }
  }

  @Test
  void withoutThePads_orWithAnotherStepsPads_theSumIsNoise() {
    float[] g = gradient(4, 200);
    long[] padded = PaddedGradients.pad(g, PADS, 9, "a");

    float[] noPads = PaddedGradients.unpad(padded, PADS, 9, List.of());
    float[] wrongStep = PaddedGradients.unpad(padded, PADS, 10, List.of("a"));
    float[] otherGroup = PaddedGradients.unpad(padded, GroupPads.fromClientSeed(78), 9, List.of("a"));

    for (float[] guess : List.of(noPads, wrongStep, otherGroup)) {
      int close = 0;
      for (int i = 0; i < g.length; i++) {
        close += Math.abs(guess[i] - g[i]) < 1e-3 ? 1 : 0;
      }
      assertThat(close).as("values within 1e-3 of the gradient").isLessThan(3);
    }
  }

  @Test
  void nonFiniteOrHugeValues_areRefusedNamingIndex_andBadLengthsToo() {
    assertThatThrownBy(() -> PaddedGradients.pad(new float[] {0f, Float.NaN}, PADS, 1, "a"))
        .hasMessageContaining("NaN at index 1 of 2");
    assertThatThrownBy(() -> PaddedGradients.pad(new float[] {1e6f}, PADS, 1, "a"))
        .hasMessageContaining("beyond ±65536");
    assertThatThrownBy(() -> Int64Bytes.read(com.google.protobuf.ByteString.copyFrom(new byte[12]), 2,
        "padded gradient from 'x'"))
        .hasMessageContaining("padded gradient from 'x' has 12 bytes but 2 int64 values (16 bytes)");
    assertThatThrownBy(() -> PaddedGradients.add(new long[2], new long[3])).hasMessageContaining("3 padded values");
    long[] v = {1, -2, Long.MAX_VALUE};
    assertThat(Int64Bytes.read(Int64Bytes.of(v), 3, "x")).containsExactly(v);
  }
}
