package org.mpsl4j.engine.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mpsl4j.data.partition.Partition;

final class ClientBatchesTest {
  /** Clients of 100, 300 and 600 samples: n = 1,000, N = 3. */
  private static final Partition SKEWED = new Partition("test",
      List.of(range(0, 100), range(100, 400), range(400, 1000)));

  @Test
  void equal_everyClientTheBaseBatch() {
    for (int i = 0; i < 3; i++) {
      assertThat(ClientBatches.EQUAL.batch(SKEWED, i, 5)).isEqualTo(5);
    }
    assertThat(ClientBatches.EQUAL.max(SKEWED, 5)).isEqualTo(5);
  }

  @Test
  void proportional_sameServerBatch_splitByData() {
    // B = 3 x 10 = 30, split 10 % / 30 % / 60 %: every client runs out after 10 steps
    assertThat(ClientBatches.PROPORTIONAL.batch(SKEWED, 0, 10)).isEqualTo(3);
    assertThat(ClientBatches.PROPORTIONAL.batch(SKEWED, 1, 10)).isEqualTo(9);
    assertThat(ClientBatches.PROPORTIONAL.batch(SKEWED, 2, 10)).isEqualTo(18);
    assertThat(ClientBatches.PROPORTIONAL.max(SKEWED, 10)).isEqualTo(18);
  }

  @Test
  void proportional_tinyClient_stillOneSample() {
    Partition p = new Partition("test", List.of(range(0, 1), range(1, 10_000)));
    assertThat(ClientBatches.PROPORTIONAL.batch(p, 0, 1)).isEqualTo(1);
  }

  @Test
  void spread_declaresTheLargestSliceOverTheEpochsSteps() {
    // B = 3 x 7 = 21, T = ceil(1,000 / 21) = 48 steps: slices of ceil(n_i / 48)
    assertThat(ClientBatches.SPREAD.batch(SKEWED, 0, 7)).isEqualTo(3);
    assertThat(ClientBatches.SPREAD.batch(SKEWED, 1, 7)).isEqualTo(7);
    assertThat(ClientBatches.SPREAD.batch(SKEWED, 2, 7)).isEqualTo(13);
    assertThat(ClientBatches.SPREAD.max(SKEWED, 7)).isEqualTo(13);
  }

  @Test
  void parse_namesTheChoices() {
    assertThat(ClientBatches.parse("Proportional")).isEqualTo(ClientBatches.PROPORTIONAL);
    assertThat(ClientBatches.parse("spread")).isEqualTo(ClientBatches.SPREAD);
    assertThatThrownBy(() -> ClientBatches.parse("fair")).hasMessageContaining("equal, proportional, spread");
  }

  private static int[] range(int from, int to) {
    return java.util.stream.IntStream.range(from, to).toArray();
  }
}
