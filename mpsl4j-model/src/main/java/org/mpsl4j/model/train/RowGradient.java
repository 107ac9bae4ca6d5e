package org.mpsl4j.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;

/**
 * The gradient of a lookup table for the rows a batch used: every other row's gradient is zero. A text
 * tokenizer's word table (30,522 rows) gets a gradient in a few hundred rows per step, so this is what a
 * client sends and a server sums under FedSGD on shared tables, instead of the whole table.
 *
 * @param rows int64 (k), strictly ascending
 * @param values float32 (k, width): row j of the gradient belongs to table row {@code rows[j]}
 */
public record RowGradient(NDArray rows, NDArray values) {
  public RowGradient {
    if (rows.getShape().dimension() != 1 || values.getShape().dimension() != 2
        || rows.getShape().get(0) != values.getShape().get(0)) {
      throw new IllegalArgumentException("a row gradient needs (k) rows and (k, width) values but got "
          + rows.getShape() + " and " + values.getShape());
    }
  }

  /**
   * The sum of row gradients of one table: rows the union of theirs, each row the sum of the parts that hold it.
   * Owned by {@code scope}; the parts are left as they are.
   *
   * @throws IllegalArgumentException if {@code parts} is empty or their widths differ
   */
  public static RowGradient sum(List<RowGradient> parts, NDManager scope) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("a sum of row gradients needs at least one part");
    }
    long width = parts.get(0).values().getShape().get(1);
    long[][] partRows = new long[parts.size()][];
    for (int i = 0; i < parts.size(); i++) {
      if (parts.get(i).values().getShape().get(1) != width) {
        throw new IllegalArgumentException("row gradients of widths " + width + " and "
            + parts.get(i).values().getShape().get(1) + " cannot be added");
      }
      partRows[i] = parts.get(i).rows().toLongArray();
    }
    long[] union = Arrays.stream(partRows).flatMapToLong(Arrays::stream).sorted().distinct().toArray();
    NDArray total = scope.zeros(new Shape(union.length, width));
    for (int i = 0; i < parts.size(); i++) {
      long[] at = Arrays.stream(partRows[i]).map(r -> Arrays.binarySearch(union, r)).toArray();
      // rows are unique within one part, so gather-add-scatter adds each of its rows exactly once; the indices are
      // closed here since scope may be a client's long-lived manager
      try (NDArray index = scope.create(at)) {
        NDIndex positions = new NDIndex("{}", index);
        try (NDArray current = total.get(positions); NDArray updated = current.add(parts.get(i).values())) {
          total.set(positions, updated);
        }
      }
    }
    return new RowGradient(scope.create(union), total);
  }
}
