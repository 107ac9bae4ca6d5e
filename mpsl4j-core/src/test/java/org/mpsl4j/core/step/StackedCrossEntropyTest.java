package org.mpsl4j.core.step;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The plain loss of many clients in one pass equals each client's own {@link OutputLoss#crossEntropy} with its
 * gradient weighted by bᵢ/B, as {@link ClientSplitStep#outputGradient} computes it: unequal slices (1, 3, 2 rows) of
 * a step whose total batch counts a client that did not answer, and one row per client.
 */
class StackedCrossEntropyTest {
  private static final int CLASSES = 5;

  @Test
  void unequalSlices_equalEachClientsOwnLoss() {
    compare(new int[] {1, 3, 2}, 8);
  }

  @Test
  void oneRowPerClient_equalsEachClientsOwnLoss() {
    compare(new int[] {1, 1, 1, 1, 1, 1, 1}, 7);
  }

  @Test
  void aLabelOutOfRange_isLeftToTheClientsOwnPath() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray logits = m.randomNormal(new Shape(3, CLASSES));
      NDArray labels = m.create(new long[] {0, CLASSES, 1});
      assertNull(StackedCrossEntropy.apply(logits, labels, new int[] {1, 2}, 3, m));
      assertNull(StackedCrossEntropy.apply(logits, m.create(new long[] {0, -1, 1}), new int[] {1, 2}, 3, m));
    }
  }

  private static void compare(int[] rows, int totalBatch) {
    Random rnd = new Random(7);
    int r = java.util.Arrays.stream(rows).sum();
    float[] z = new float[r * CLASSES];
    long[] y = new long[r];
    for (int i = 0; i < z.length; i++) {
      z[i] = (float) (3 * rnd.nextGaussian());
    }
    for (int i = 0; i < r; i++) {
      y[i] = rnd.nextInt(CLASSES);
    }
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray logits = m.create(z, new Shape(r, CLASSES));
      NDArray labels = m.create(y);
      StackedCrossEntropy.Result stacked = StackedCrossEntropy.apply(logits, labels, rows, totalBatch, m);
      int row = 0;
      for (int i = 0; i < rows.length; i++) {
        NDIndex mine = new NDIndex(row + ":" + (row + rows[i]));
        OutputLoss.Result own = OutputLoss.crossEntropy().apply(logits.get(mine), labels.get(mine));
        NDArray weighted = own.gradient().mul(m.create((float) rows[i] / totalBatch));
        assertEquals(own.loss(), stacked.losses()[i], 1e-6f, "client " + i + " loss");
        assertEquals(own.correct(), stacked.correct()[i], "client " + i + " correct");
        assertArrayEquals(weighted.toFloatArray(), stacked.gradient().get(mine).toFloatArray(), 1e-7f,
            "client " + i + " gradient");
        row += rows[i];
      }
    }
  }
}
