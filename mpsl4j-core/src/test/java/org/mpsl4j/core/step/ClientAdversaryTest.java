package org.mpsl4j.core.step;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mpsl4j.core.cut.CutBatch;

/**
 * The client-identity adversary: it learns to tell clients apart from the pooled features, and the
 * gradient it hands the encoder points against it (gradient reversal), only on the rows that counted.
 */
final class ClientAdversaryTest {
  private static final int WIDTH = 8;
  /** Three clients of 4, 2 and 3 rows; the rows of "b" did not count (its output gradient was lost). */
  private static final CutBatch.Member A = new CutBatch.Member("a", 0, 4);
  private static final CutBatch.Member B = new CutBatch.Member("b", 4, 2);
  private static final CutBatch.Member C = new CutBatch.Member("c", 6, 3);

  /** Features where client a's rows are shifted along one axis and c's along another: separable. */
  private static NDArray separable(NDManager m) {
    NDArray x = m.randomNormal(0, 0.1f, new ai.djl.ndarray.types.Shape(9, WIDTH), ai.djl.ndarray.types.DataType.FLOAT32);
    x.set(new NDIndex("0:4, 0"), 1f);
    x.set(new NDIndex("6:9, 1"), 1f);
    return x;
  }

  @Test
  void adversary_learnsToTellClientsApart() {
    try (NDManager m = NDManager.newBaseManager()) {
      m.getEngine().setRandomSeed(3);
      ClientAdversary adv = new ClientAdversary(m, WIDTH, 3, 1f, 1e-2f, new Random(1));
      NDArray x = separable(m);
      float before;
      try (NDManager s = m.newSubManager()) {
        before = adv.loss(x, List.of(A, C), s).getFloat();
      }
      for (int i = 0; i < 50; i++) {
        try (NDManager s = m.newSubManager()) {
          adv.reversedGradient(x, List.of(A, C), s);
        }
      }
      try (NDManager s = m.newSubManager()) {
        assertThat(adv.loss(x, List.of(A, C), s).getFloat()).as("L_adv after 50 steps (before: %s)", before)
            .isLessThan(before / 4);
      }
    }
  }

  @Test
  void reversedGradient_isZeroOnRowsThatDidNotCount_andRaisesTheAdversarysLoss() {
    try (NDManager m = NDManager.newBaseManager()) {
      m.getEngine().setRandomSeed(3);
      ClientAdversary adv = new ClientAdversary(m, WIDTH, 3, 0.5f, 1e-2f, new Random(1));
      NDArray x = separable(m);
      for (int i = 0; i < 30; i++) { // an adversary that has learned something (its initial gradients are tiny)
        try (NDManager s = m.newSubManager()) {
          adv.reversedGradient(x, List.of(A, C), s);
        }
      }
      try (NDManager s = m.newSubManager()) {
        NDArray r = adv.reversedGradient(x, List.of(A, C), s);
        assertThat(r.get(new NDIndex("4:6")).abs().sum().getFloat()).as("rows of b").isZero();
        assertThat(r.get(new NDIndex("0:4")).abs().sum().getFloat()).as("rows of a").isPositive();
        // The encoder descends along r: x − η·r. Gradient reversal means that this raises L_adv.
        float at = adv.loss(x, List.of(A, C), s).getFloat();
        float moved = adv.loss(x.sub(r.mul(s.create(1f))), List.of(A, C), s).getFloat();
        assertThat(moved).as("L_adv after the encoder's step (before: %s, |r| max %s)", at, r.abs().max().getFloat())
            .isGreaterThan(at);
      }
    }
  }

  @Test
  void weightMustBePositive_andTwoClientsNeeded() {
    try (NDManager m = NDManager.newBaseManager()) {
      assertThatThrownBy(() -> new ClientAdversary(m, WIDTH, 3, 0f, 1e-3f, new Random(1)))
          .hasMessageContaining("--client-adversary");
      assertThatThrownBy(() -> new ClientAdversary(m, WIDTH, 1, 1f, 1e-3f, new Random(1)))
          .hasMessageContaining("at least 2 clients");
    }
  }
}
