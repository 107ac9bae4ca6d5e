package org.mpsl4j.model.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.train.Adam;

/**
 * A table trained as rows over a shared base against the same table trained densely with Adam: equal
 * while every row is used in every step from its first use on; lazy (PyTorch SparseAdam) otherwise.
 */
class RowDeltaTableTest {
  private static final int ROWS = 40;
  private static final int WIDTH = 6;
  private static final float LR = 0.05f;

  /** Each step uses the rows of the step before and a new one (and repeats some ids within a batch). */
  private static final long[][][] GROWING = {
      {{3, 7, 3}, {7, 1, 9}},
      {{3, 7, 12}, {1, 9, 9}},
      {{12, 3, 7}, {1, 9, 20}},
      {{20, 12, 3}, {7, 1, 9}},
  };

  @Test
  void rowsUsedInEveryStepSinceFirstUse_trainExactlyLikeDenseAdam() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Embedding dense = new Embedding(manager, ROWS, WIDTH, new Random(5));
      Embedding base = new Embedding(manager, ROWS, WIDTH, new Random(5));
      Embedding shared = Embedding.sharing(base, manager);
      float[] baseBefore = base.namedParameters().get("weight").array().toFloatArray();
      Adam denseAdam = new Adam(manager, LR);
      Adam sharedAdam = new Adam(manager, LR);
      for (long[][] ids : GROWING) {
        train(dense, denseAdam, ids, manager);
        train(shared, sharedAdam, ids, manager);
      }
      RowDeltaTable table = shared.namedTables().get("weight");
      try (NDManager scope = manager.newSubManager()) {
        float[] expected = dense.namedParameters().get("weight").array().toFloatArray();
        assertThat(table.materialize(scope).toFloatArray()).containsExactly(expected);
      }
      assertThat(table.storedRows()).as("rows 1, 3, 7, 9, 12, 20").isEqualTo(6);
      assertThat(base.namedParameters().get("weight").array().toFloatArray()).containsExactly(baseBefore);
    }
  }

  @Test
  void rowNotUsedInAStep_keepsItsValue_whereDenseAdamMovesItByMomentum() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Embedding dense = new Embedding(manager, ROWS, WIDTH, new Random(5));
      Embedding base = new Embedding(manager, ROWS, WIDTH, new Random(5));
      Embedding shared = Embedding.sharing(base, manager);
      Adam denseAdam = new Adam(manager, LR);
      Adam sharedAdam = new Adam(manager, LR);
      long[][] first = {{4, 5}};
      long[][] second = {{5, 6}};
      train(dense, denseAdam, first, manager);
      train(shared, sharedAdam, first, manager);
      float[] row4AfterFirst = row(shared, 4, manager);
      assertThat(row4AfterFirst).containsExactly(denseRow(dense, 4));
      train(dense, denseAdam, second, manager);
      train(shared, sharedAdam, second, manager);
      assertThat(row(shared, 4, manager)).as("lazy: row 4 had no gradient in step 2").containsExactly(row4AfterFirst);
      assertThat(denseRow(dense, 4)).as("dense Adam moves it with its momentum").isNotEqualTo(row4AfterFirst);
      assertThat(row(shared, 5, manager)).as("used in both steps").containsExactly(denseRow(dense, 5));
    }
  }

  @Test
  void assignedAverage_isTheWholeTable_heldRowsKeepTheirMoments_newRowsStartAtZero() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Embedding base = new Embedding(manager, ROWS, WIDTH, new Random(5));
      Embedding shared = Embedding.sharing(base, manager);
      Adam adam = new Adam(manager, LR);
      train(shared, adam, new long[][] {{3, 7}}, manager);
      RowDeltaTable table = shared.namedTables().get("weight");
      try (NDManager scope = manager.newSubManager()) {
        RowDeltaTable.Delta before = table.delta(scope);
        // an "average": row 7 moved by another client, row 11 trained only elsewhere; row 3 back at the base
        NDArray average = table.materialize(scope);
        NDArray baseWeight = base.namedParameters().get("weight").array();
        average.set(new NDIndex("3"), baseWeight.get("3"));
        average.set(new NDIndex("7"), average.get("7").add(0.5f));
        average.set(new NDIndex("11"), average.get("11").add(-0.25f));

        table.assign(average, scope);

        assertThat(table.materialize(scope).toFloatArray()).containsExactly(average.toFloatArray());
        RowDeltaTable.Delta after = table.delta(scope);
        assertThat(after.rows().toLongArray()).as("held before (3, 7) and differing from the base (7, 11)")
            .containsExactly(3, 7, 11);
        assertThat(after.expAvg().get("0:2").toFloatArray()).as("rows 3 and 7 keep their moments")
            .containsExactly(before.expAvg().toFloatArray());
        assertThat(after.expAvgSq().get("0:2").toFloatArray()).containsExactly(before.expAvgSq().toFloatArray());
        assertThat(after.expAvg().get("2").toFloatArray()).as("row 11 is new to this client").containsOnly(0f);
      }
    }
  }

  @Test
  void assign_refusesATableOfAnotherShape() {
    try (NDManager manager = NDManager.newBaseManager()) {
      RowDeltaTable table = Embedding.sharing(new Embedding(manager, ROWS, WIDTH, new Random(5)), manager)
          .namedTables().get("weight");
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> table.assign(manager.zeros(
          new ai.djl.ndarray.types.Shape(ROWS, WIDTH + 1)), manager)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("cannot take");
    }
  }

  @Test
  void lookupWithoutRecording_storesAndUpdatesNothing() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Embedding shared = Embedding.sharing(new Embedding(manager, ROWS, WIDTH, new Random(5)), manager);
      Adam adam = new Adam(manager, LR);
      try (NDManager scope = manager.newSubManager()) {
        try (Autograd.NoGrad ng = Autograd.noGrad()) {
          shared.forward(scope.create(new long[][] {{1, 2}}));
        }
        adam.step(shared, scope);
      }
      assertThat(shared.namedTables().get("weight").storedRows()).isZero();
    }
  }

  @Test
  void restoredDelta_continuesExactlyLikeTheOriginal() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Embedding base = new Embedding(manager, ROWS, WIDTH, new Random(5));
      Embedding original = Embedding.sharing(base, manager);
      Adam originalAdam = new Adam(manager, LR);
      train(original, originalAdam, GROWING[0], manager);
      train(original, originalAdam, GROWING[1], manager);
      Embedding restored = Embedding.sharing(base, manager);
      Adam restoredAdam = new Adam(manager, LR);
      try (NDManager scope = manager.newSubManager()) {
        restored.namedTables().get("weight").restore(original.namedTables().get("weight").delta(scope));
        restoredAdam.restore(originalAdam.steps(), java.util.Map.of(), java.util.Map.of());
      }
      original.namedTables().get("weight").compact();
      train(original, originalAdam, GROWING[2], manager);
      train(restored, restoredAdam, GROWING[2], manager);
      try (NDManager scope = manager.newSubManager()) {
        assertThat(restored.namedTables().get("weight").materialize(scope).toFloatArray())
            .containsExactly(original.namedTables().get("weight").materialize(scope).toFloatArray());
      }
    }
  }

  /** One step: loss = Σ out · c with a fixed c, backward, Adam. */
  private static void train(Embedding e, Adam adam, long[][] ids, NDManager manager) {
    try (NDManager scope = manager.newSubManager()) {
      e.zeroGradients();
      NDArray coefficients = scope.create(fixed(ids.length * ids[0].length * WIDTH),
          new ai.djl.ndarray.types.Shape(ids.length, ids[0].length, WIDTH));
      try (Autograd.Recording r = Autograd.record()) {
        NDArray loss = e.forward(scope.create(ids)).mul(coefficients).sum();
        Autograd.backward(loss);
      }
      adam.step(e, scope);
    }
  }

  private static float[] fixed(int n) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) Math.sin(i + 1);
    }
    return out;
  }

  private static float[] row(Embedding shared, int row, NDManager manager) {
    try (NDManager scope = manager.newSubManager()) {
      return shared.namedTables().get("weight").materialize(scope).get(new NDIndex(row)).toFloatArray();
    }
  }

  private static float[] denseRow(Embedding dense, int row) {
    return dense.namedParameters().get("weight").array().get(new NDIndex(row)).toFloatArray();
  }
}
