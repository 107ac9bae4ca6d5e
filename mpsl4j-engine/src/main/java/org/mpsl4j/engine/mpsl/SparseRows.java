package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.mpsl4j.model.nn.RowDeltaTable;
import org.mpsl4j.protocol.MalformedTensorException;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.v1.NamedTensor;

/**
 * Tokenizer uploads of large tables by changed rows. A client's word-embedding table (30,522 × 384
 * for MiniLM: 45.8 MiB) changes only in the rows of the tokens its own texts use; every other row is
 * still the initial value, which the server knows too (server and clients build the model from one
 * seed and the same pretrained weights). So a client sends the rows that differ from the initial
 * table, and the server's FedAvg puts the initial value in the rest: the same average as a full
 * upload, for a fraction of the bytes.
 */
final class SparseRows {
  /** Tables with fewer rows go whole: the index overhead would not pay for itself. */
  static final long MIN_ROWS = 1024;

  private SparseRows() {}

  /** Whether a parameter of this shape may be sent by rows. */
  static boolean eligible(Shape shape) {
    return shape.dimension() == 2 && shape.get(0) >= MIN_ROWS;
  }

  /**
   * The upload of {@code current}: only the rows that differ from {@code initial} (with their
   * indices) when fewer than half do, else the whole table; row 0 when none does.
   */
  static NamedTensor encode(String name, NDArray current, NDArray initial) {
    NamedTensor.Builder b = NamedTensor.newBuilder().setName(name);
    try (NDArray differs = current.neq(initial); NDArray rows = rowsWhere(differs)) {
      if (rows.size() * 2 >= current.getShape().get(0)) {
        return b.setTensor(TensorCodec.encode(current)).build();
      }
      if (rows.size() == 0) { // unchanged: row 0 as it is (an upload names at least one row; its change is zero)
        try (NDArray first = current.get(new NDIndex("0:1")); NDArray zero = first.getManager().create(new long[] {0})) {
          return b.setRows(TensorCodec.encode(zero)).setTensor(TensorCodec.encode(first)).build();
        }
      }
      try (NDArray values = current.get(new NDIndex("{}", rows))) {
        return b.setRows(TensorCodec.encode(rows)).setTensor(TensorCodec.encode(values)).build();
      }
    }
  }

  /**
   * The upload of a table trained as rows over the shared initial table ({@link RowDeltaTable}): the
   * rows it holds (a superset of those that differ from the initial table) when fewer than half and the
   * table is {@link #eligible}, else the whole table. A table that holds no row sends row 0 with its initial value (an upload names at least one
   * row; its change is zero).
   */
  static NamedTensor encode(String name, RowDeltaTable table, NDManager scope) {
    NamedTensor.Builder b = NamedTensor.newBuilder().setName(name);
    long tableRows = table.shape().get(0);
    if (!eligible(table.shape()) || table.storedRows() * 2L >= tableRows) {
      return b.setTensor(TensorCodec.encode(table.materialize(scope))).build();
    }
    if (table.storedRows() == 0) {
      NDArray first = table.materialize(scope).get(new NDIndex("0:1"));
      return b.setRows(TensorCodec.encode(scope.create(new long[] {0}))).setTensor(TensorCodec.encode(first)).build();
    }
    RowDeltaTable.Delta d = table.delta(scope);
    return b.setRows(TensorCodec.encode(d.rows())).setTensor(TensorCodec.encode(d.values())).build();
  }

  /**
   * The rows of {@code gradient} (a table's dense gradient) that hold a non-zero entry, as a row gradient owned by
   * {@code scope}: what a table trained by rows sends when the client holds it as one dense parameter. A row its
   * batches used whose gradient came out exactly zero is left out; it would add nothing to the server's sum.
   */
  static org.mpsl4j.model.train.RowGradient nonZeroRows(NDArray gradient, NDManager scope) {
    NDArray rows = nonZeroRowIndices(gradient, scope);
    NDArray values = gradient.get(new NDIndex("{}", rows));
    values.attach(scope);
    return new org.mpsl4j.model.train.RowGradient(rows, values);
  }

  /** The indices, int64 (k) ascending, of the rows of the 2-d {@code a} that hold a non-zero entry, in {@code scope}. */
  static NDArray nonZeroRowIndices(NDArray a, NDManager scope) {
    try (NDArray nonZero = a.neq(0f)) {
      NDArray rows = rowsWhere(nonZero);
      rows.attach(scope);
      return rows;
    }
  }

  /** The indices, int64 (k) ascending, of the rows of the 2-d boolean {@code mask} with any true entry. */
  private static NDArray rowsWhere(NDArray mask) {
    // every temporary closed: the mask may belong to a long-lived manager (an optimizer's moments, a client's own
    // parameter), where each call would otherwise leave a float copy of the whole table (issue 18)
    try (NDArray asFloat = mask.toType(DataType.FLOAT32, true); NDArray perRow = asFloat.sum(new int[] {1});
        NDArray any = perRow.gt(0f); NDArray indices = any.nonzero()) {
      return indices.reshape(-1);
    }
  }

  /**
   * Checks the row indices of an upload of a table with {@code tableRows} rows: rank 1, strictly
   * increasing (so no row twice), within [0, tableRows).
   */
  static void checkRows(NDArray rows, long tableRows, String what) {
    if (rows.getDataType() != DataType.INT64 || rows.getShape().dimension() != 1) {
      throw new MalformedTensorException(what + ": row indices must be a 1-d INT64 tensor, not " + rows.getDataType()
          + " " + rows.getShape());
    }
    long k = rows.getShape().get(0);
    if (k == 0 || k > tableRows) {
      throw new MalformedTensorException(what + ": " + k + " row indices for a table of " + tableRows + " rows");
    }
    boolean inRange = rows.min().getLong() >= 0 && rows.max().getLong() < tableRows;
    boolean increasing = k == 1 || rows.get("1:").sub(rows.get(":-1")).min().getLong() > 0;
    if (!inRange || !increasing) {
      throw new MalformedTensorException(what + ": row indices must be strictly increasing within [0, " + tableRows + ")");
    }
  }

  /** {@code sum[rows] += weight · (values − initial[rows])}: one client's change, weighted, into the average. */
  static void addChange(NDArray sum, NDArray initial, NDArray rows, NDArray values, float weight) {
    NDIndex index = new NDIndex("{}", rows);
    try (NDArray before = initial.get(index); NDArray change = values.sub(before).muli(weight);
        NDArray current = sum.get(index); NDArray updated = current.add(change)) {
      sum.set(index, updated);
    }
  }
}
