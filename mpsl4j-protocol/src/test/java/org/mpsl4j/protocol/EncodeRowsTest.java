package org.mpsl4j.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mpsl4j.protocol.v1.Tensor;

/** The server's per-client split of one step's outputs: each part is exactly the message of its slice. */
class EncodeRowsTest {
  @Test
  void eachPartIsTheMessageOfItsSlice() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a = m.randomNormal(new Shape(7, 3, 4));
      int[] rows = {2, 1, 3, 1};
      List<Tensor> parts = TensorCodec.encodeRows(a, rows);
      assertThat(parts).hasSize(4);
      int row = 0;
      for (int i = 0; i < rows.length; i++) {
        NDArray slice = a.get(new NDIndex("{}:{}", row, row + rows[i]));
        assertThat(parts.get(i)).as("part %d", i).isEqualTo(TensorCodec.encode(slice));
        NDArray back = TensorCodec.decode(parts.get(i), m, TensorLimits.lenient(), "part " + i);
        assertThat(back.toFloatArray()).containsExactly(slice.toFloatArray());
        row += rows[i];
      }
    }
  }

  @Test
  void partsThatDoNotCoverTheRowsAreRefused() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a = m.zeros(new Shape(5, 2));
      assertThatThrownBy(() -> TensorCodec.encodeRows(a, new int[] {2, 2})).hasMessageContaining("do not split");
      assertThatThrownBy(() -> TensorCodec.encodeRows(a, new int[] {6, -1})).hasMessageContaining("negative");
    }
  }
}
