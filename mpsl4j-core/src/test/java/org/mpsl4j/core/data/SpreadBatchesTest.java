package org.mpsl4j.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SpreadBatchesTest {
  @Test
  void epochHasCeilOfAllSamplesOverTheServerBatch() {
    assertEquals(20, SpreadBatches.stepsPerEpoch(1_000, 50));
    assertEquals(21, SpreadBatches.stepsPerEpoch(1_001, 50));
    assertEquals(1, SpreadBatches.stepsPerEpoch(3, 50));
  }

  @Test
  void everyClientCoversItsDataOnceInSlicesThatSpanTheEpoch() {
    int[] sizes = {997, 400, 61, 21, 20, 7};
    int total = 0;
    for (int n : sizes) {
      total += n;
    }
    int steps = SpreadBatches.stepsPerEpoch(total, 30); // 1,506 samples, B = 30: T = 51
    assertEquals(51, steps);
    int[] stepRows = new int[steps];
    for (int n : sizes) {
      assertEquals(0, SpreadBatches.sliceStart(n, steps, 0));
      assertEquals(n, SpreadBatches.sliceStart(n, steps, steps), "the last slice ends at the client's last sample");
      for (int s = 0; s < steps; s++) {
        int rows = SpreadBatches.sliceStart(n, steps, s + 1) - SpreadBatches.sliceStart(n, steps, s);
        assertTrue(rows == n / steps || rows == SpreadBatches.largestBatch(n, steps), n + " samples, step " + s + ": " + rows);
        if (n >= steps) {
          assertTrue(rows >= 1, "a client with at least T samples is in every step");
        }
        stepRows[s] += rows;
      }
    }
    for (int s = 0; s < steps; s++) { // every step's server batch is about B: within one row per client of n/T
      assertTrue(Math.abs(stepRows[s] - (double) total / steps) <= sizes.length, "step " + s + ": " + stepRows[s]);
    }
  }

  @Test
  void aClientWithFewerSamplesThanStepsSitsOutSomeSteps() {
    int steps = 10;
    int inSteps = 0;
    for (int s = 0; s < steps; s++) {
      if (SpreadBatches.sliceStart(4, steps, s + 1) > SpreadBatches.sliceStart(4, steps, s)) {
        inSteps++;
      }
    }
    assertEquals(4, inSteps);
    assertEquals(1, SpreadBatches.largestBatch(4, steps));
  }

  @Test
  void badArgumentsAreNamed() {
    assertThrows(IllegalArgumentException.class, () -> SpreadBatches.stepsPerEpoch(0, 50));
    assertThrows(IllegalArgumentException.class, () -> SpreadBatches.largestBatch(5, 0));
    assertThrows(IllegalArgumentException.class, () -> SpreadBatches.sliceStart(5, 10, 11));
  }
}
