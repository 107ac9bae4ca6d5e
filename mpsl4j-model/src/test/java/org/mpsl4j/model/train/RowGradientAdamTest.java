package org.mpsl4j.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.nn.Embedding;
import org.mpsl4j.model.nn.RowDeltaTable;

/**
 * A table trained by rows under FedSGD on a shared tokenizer: the owner hands over the gradient of its batch's rows
 * ({@link RowDeltaTable#takeGradient}), the server steps its dense copy with them ({@link Adam#step(Map, Map, Map)}),
 * and the owner sets the rows that changed ({@link RowDeltaTable#assignRows}). That must be the same lazy Adam as an
 * owner stepping its own rows ({@link RowDeltaTable#adamStep}), and the owner must end holding the server's table.
 */
class RowGradientAdamTest {
  private static final int ROWS = 40;
  private static final int WIDTH = 6;
  private static final float LR = 0.05f;
  /** Rows used, dropped (4, 12) and used again (3): lazy Adam leaves a row without a gradient as it is. */
  private static final long[][][] STEPS = {{{3, 7, 3}, {4, 1, 9}}, {{7, 12, 1}, {9, 9, 7}}, {{3, 20, 7}, {1, 9, 20}}};

  @Test
  void serverStepsRowGradients_exactlyAsTheOwnerStepsItsOwnRows_andTheOwnerHoldsTheServersTable() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Embedding base = new Embedding(manager, ROWS, WIDTH, new Random(5));
      Embedding own = Embedding.sharing(base, manager); // steps its own rows: the reference
      Embedding client = Embedding.sharing(base, manager); // hands its gradients to the server
      Embedding server = new Embedding(manager, ROWS, WIDTH, new Random(5)); // the server's dense copy
      server.setTrainable(false);
      Adam ownAdam = new Adam(manager, LR);
      Adam serverAdam = new Adam(manager, LR);
      RowDeltaTable clientTable = client.namedTables().get("weight");
      for (long[][] ids : STEPS) {
        try (NDManager scope = manager.newSubManager()) {
          backward(own, ids, scope);
          ownAdam.step(own, scope);
          backward(client, ids, scope);
          RowGradient g = clientTable.takeGradient(scope);
          assertThat(g.rows().toLongArray()).as("the batch's distinct rows")
              .containsExactly(java.util.Arrays.stream(ids).flatMapToLong(java.util.Arrays::stream).sorted().distinct()
                  .toArray());
          serverAdam.step(server.namedParameters(), Map.of(), Map.of("weight", g));
          NDArray changed = server.namedParameters().get("weight").array().get(new ai.djl.ndarray.index.NDIndex("{}",
              g.rows()));
          clientTable.assignRows(g.rows().toLongArray(), changed);
        }
      }
      float[] serverTable = server.namedParameters().get("weight").array().toFloatArray();
      try (NDManager scope = manager.newSubManager()) {
        assertThat(serverTable).containsExactly(own.namedTables().get("weight").materialize(scope).toFloatArray());
        assertThat(clientTable.materialize(scope).toFloatArray()).containsExactly(serverTable);
      }
      assertThat(clientTable.storedRows()).as("rows 1, 3, 4, 7, 9, 12, 20").isEqualTo(7);
      assertThat(clientTable.deltaBytes()).as("values only: the client takes no step, so it holds no moments")
          .isEqualTo((long) ROWS * WIDTH * Float.BYTES); // capacity: 64 rows at least, at most the table's 40
    }
  }

  @Test
  void sumOfRowGradients_isTheDenseSumOnTheUnionOfRows() {
    try (NDManager manager = NDManager.newBaseManager()) {
      RowGradient a = new RowGradient(manager.create(new long[] {2, 5, 9}), manager.create(
          new float[] {1, 1, 2, 2, 3, 3}, new Shape(3, 2)));
      RowGradient b = new RowGradient(manager.create(new long[] {0, 5}), manager.create(
          new float[] {10, 10, 20, 20}, new Shape(2, 2)));
      int held = manager.getManagedArrays().size();
      RowGradient sum = RowGradient.sum(List.of(a, b), manager);
      assertThat(sum.rows().toLongArray()).containsExactly(0, 2, 5, 9);
      assertThat(sum.values().toFloatArray()).containsExactly(10, 10, 1, 1, 22, 22, 3, 3);
      // only its rows and values stay in the (here long-lived) manager: no index per part (issue 18)
      assertThat(manager.getManagedArrays()).hasSize(held + 2);
    }
  }

  @Test
  void rowGradientOfAnotherWidth_isRefusedNamingTheTable() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Embedding server = new Embedding(manager, ROWS, WIDTH, new Random(5));
      RowGradient wrong = new RowGradient(manager.create(new long[] {1}), manager.zeros(new Shape(1, WIDTH + 1)));
      assertThatThrownBy(() -> new Adam(manager, LR).step(server.namedParameters(), Map.of(), Map.of("weight", wrong)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("row gradient 'weight'");
    }
  }

  /** loss = Σ out · c with a fixed c, backward (gradients on the table's leaf of this step). */
  private static void backward(Embedding e, long[][] ids, NDManager scope) {
    float[] c = new float[ids.length * ids[0].length * WIDTH];
    for (int i = 0; i < c.length; i++) {
      c[i] = (float) Math.sin(i + 1);
    }
    NDArray coefficients = scope.create(c, new Shape(ids.length, ids[0].length, WIDTH));
    try (Autograd.Recording r = Autograd.record()) {
      Autograd.backward(e.forward(scope.create(ids)).mul(coefficients).sum());
    }
  }
}
