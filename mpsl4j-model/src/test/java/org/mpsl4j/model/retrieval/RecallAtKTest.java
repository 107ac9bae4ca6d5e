package org.mpsl4j.model.retrieval;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

/** Recall@K on embeddings whose ranks are known by construction. */
final class RecallAtKTest {

  @Test
  void partnersIdentical_everyQueryFindsItsOwnFirst() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray e = m.eye(12);
      RecallAtK r = RecallAtK.of(NDArrays.concat(new NDList(e, e), 1));
      assertThat(r.forward()).containsExactly(1, 1, 1);
      assertThat(r.backward()).containsExactly(1, 1, 1);
      assertThat(r.queries()).isEqualTo(12);
    }
  }

  @Test
  void partnerRankedSecond_countsFromRecallAtFive() {
    // Query i's candidates: its own partner scores 0.5, candidate i+1 scores 1: rank 1 (0-based) for all.
    try (NDManager m = NDManager.newBaseManager()) {
      int n = 12;
      float[] first = new float[n * n];
      float[] second = new float[n * n];
      for (int i = 0; i < n; i++) {
        first[i * n + i] = 1f;
        first[i * n + (i + 1) % n] = 2f;
        second[i * n + i] = 0.5f;
      }
      NDArray a = m.create(first, new ai.djl.ndarray.types.Shape(n, n));
      NDArray b = m.create(second, new ai.djl.ndarray.types.Shape(n, n));
      RecallAtK r = RecallAtK.of(NDArrays.concat(new NDList(a, b), 1));
      assertThat(r.forwardAt(1)).isZero();
      assertThat(r.forwardAt(5)).isEqualTo(1.0);
      assertThat(r.forwardAt(10)).isEqualTo(1.0);
    }
  }

  @Test
  void collapsedEmbeddings_earnNoHit() {
    // Every embedding the same: every candidate ties with the partner, and a tie is not a hit.
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray same = m.ones(new ai.djl.ndarray.types.Shape(12, 4));
      RecallAtK r = RecallAtK.of(NDArrays.concat(new NDList(same, same), 1));
      assertThat(r.forward()).containsExactly(0, 0, 0);
      assertThat(r.backward()).containsExactly(0, 0, 0);
    }
  }

  @Test
  void reversedPairing_findsNoPartnerAtOne() {
    // Second modality in reverse order: the partner of query i is candidate n-1-i, never the most similar.
    try (NDManager m = NDManager.newBaseManager()) {
      int n = 20;
      NDArray e = m.eye(n);
      NDArray reversed = e.flip(0);
      RecallAtK r = RecallAtK.of(NDArrays.concat(new NDList(e, reversed), 1));
      assertThat(r.forwardAt(1)).isZero(); // n even: no row is its own reverse
      assertThat(r.meanR1()).isEqualTo((r.forwardAt(1) + r.backwardAt(1)) / 2);
    }
  }
}
