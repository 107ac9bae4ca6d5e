package org.mpsl4j.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import java.util.Arrays;
import org.mpsl4j.model.Autograd;

/**
 * A lookup table that one owner trains as a copy-on-write delta over a base table that many owners
 * share read-only. Only the rows this owner's updates touched are stored, each with its two Adam
 * moments; every other row reads the base. Memory grows with the rows a client's own data uses (a few
 * hundred words of a 30,522-word vocabulary), not with the vocabulary.
 *
 * <p>Training is row-sparse: a recorded {@link #lookup} gathers the batch's unique rows into a small
 * leaf tensor and looks up from it, so backward produces a gradient for those rows only, and
 * {@link #adamStep} updates exactly those rows and their moments with the same fused update as dense
 * {@link org.mpsl4j.model.train.Adam}. Semantics are those of PyTorch's {@code SparseAdam} ("lazy"
 * Adam): a row's value and moments change only in steps whose batch uses it; the bias correction
 * uses the owner's global step count. Dense {@code torch.optim.Adam} differs for a row that was used
 * once and then not: with a zero gradient its momentum still moves it, and its moments decay. While a
 * row is used in every step from its first use on (or never), both give the same result
 * ({@code RowDeltaTableTest}).
 *
 * <p>A frozen table ({@code trainable == false}) stores nothing and reads the base.
 *
 * <p>Under FedSGD on shared tables the owner takes no step of its own: it hands over the gradient of its
 * batch's rows ({@link #takeGradient}) and sets the rows the server's step changed ({@link #assignRows}). Such a
 * table holds values only; the moments are allocated by the first {@link #adamStep}.
 *
 * <p>The delta arrays belong to the {@code manager} given at construction; the base belongs to
 * whoever shares it and must outlive this table. Not thread-safe; the base may be read by many
 * tables on many threads at once.
 */
public final class RowDeltaTable {
  private static final int MIN_CAPACITY = 64;
  private final NDArray base;
  private final NDManager manager;
  private final long rows;
  private final long width;
  private boolean trainable;
  /** Rows held in the delta, ascending, and the slot of each in the arrays below. */
  private int[] sortedRows = new int[0];
  private int[] slotOfSorted = new int[0];
  private int size;
  private NDArray values;
  private NDArray expAvg;
  private NDArray expAvgSq;
  private Pending pending;

  /** The leaf of the last recorded lookup: its unique rows, ascending, and their values. */
  private record Pending(long[] rows, NDArray leaf) {}

  public RowDeltaTable(NDArray base, NDManager manager, boolean trainable) {
    if (base.getShape().dimension() != 2 || base.getDataType() != DataType.FLOAT32) {
      throw new IllegalArgumentException("a row table needs a 2-d float32 base but got " + base.getDataType() + " "
          + base.getShape());
    }
    this.base = base;
    this.manager = manager;
    this.rows = base.getShape().get(0);
    this.width = base.getShape().get(1);
    this.trainable = trainable;
  }

  public Shape shape() {
    return base.getShape();
  }

  public boolean isTrainable() {
    return trainable;
  }

  /** Freezing keeps the rows trained so far; they are simply not updated any more. */
  public void setTrainable(boolean trainable) {
    this.trainable = trainable;
    pending = null;
  }

  /** Rows this owner holds a copy of (rows it trained). */
  public int storedRows() {
    return size;
  }

  /**
   * Native bytes of this owner's delta (values, and both moments once an own step allocated them; capacity
   * included); the base is not counted.
   */
  public long deltaBytes() {
    return values == null ? 0 : (expAvg == null ? 1L : 3L) * values.getShape().get(0) * width * Float.BYTES;
  }

  /**
   * Looks up {@code ids} (int64, any shape) → (*ids.shape, width). While this thread records (training)
   * and the table is trainable, the unique rows become this step's leaf for {@link #adamStep}.
   * Temporaries live in the manager of {@code ids}.
   */
  public NDArray lookup(NDArray ids) {
    NDManager scope = ids.getManager();
    NDList unique = ids.unique(null, true, true, false);
    NDArray uniqueRows = unique.get(0);
    NDArray inverse = unique.get(1);
    long[] rowIds = uniqueRows.toLongArray();
    if (rowIds.length > 0 && (rowIds[0] < 0 || rowIds[rowIds.length - 1] >= rows)) {
      throw new IllegalArgumentException("token ids must be in [0, " + rows + ") but the batch has "
          + rowIds[0] + ".." + rowIds[rowIds.length - 1]);
    }
    boolean record = trainable && Autograd.isRecording();
    NDArray leaf;
    try (Autograd.NoGrad ignored = Autograd.noGrad()) {
      leaf = gather(uniqueRows, rowIds, scope);
    }
    if (record) {
      leaf.setRequiresGradient(true);
      pending = new Pending(rowIds, leaf);
    }
    return ai.djl.nn.core.Embedding.embedding(inverse, leaf, SparseFormat.DENSE).singletonOrThrow();
  }

  /** Current values of {@code rowIds} (ascending): the delta where held, else the base. */
  private NDArray gather(NDArray rowIndex, long[] rowIds, NDManager scope) {
    NDArray out = base.get(new NDIndex("{}", rowIndex));
    out.attach(scope);
    long[][] held = held(rowIds);
    if (held[0].length > 0) {
      NDArray stored = values.get(new NDIndex("{}", scope.create(held[1])));
      stored.attach(scope);
      out.set(new NDIndex("{}", scope.create(held[0])), stored);
    }
    return out;
  }

  /** For ascending {@code rowIds}: {positions among them, slots} of those the delta holds. */
  private long[][] held(long[] rowIds) {
    long[] positions = new long[rowIds.length];
    long[] slots = new long[rowIds.length];
    int n = 0;
    for (int i = 0; i < rowIds.length; i++) {
      int at = Arrays.binarySearch(sortedRows, 0, size, (int) rowIds[i]);
      if (at >= 0) {
        positions[n] = i;
        slots[n++] = slotOfSorted[at];
      }
    }
    return new long[][] {Arrays.copyOf(positions, n), Arrays.copyOf(slots, n)};
  }

  /** Forgets the pending leaf (a new step begins; its gradient is never applied). */
  public void zeroGradient() {
    pending = null;
  }

  /**
   * The gradient backward left on the last recorded lookup's rows, copied into {@code into}, and the pending
   * leaf forgotten (as {@link #zeroGradient}): for an owner that hands its gradient to someone else's optimizer
   * instead of taking its own {@link #adamStep}. Null when no lookup was recorded since, or none was backpropagated.
   */
  public org.mpsl4j.model.train.RowGradient takeGradient(NDManager into) {
    Pending p = pending;
    pending = null;
    if (p == null || !trainable || p.rows().length == 0) {
      return null;
    }
    try (Autograd.NoGrad ignored = Autograd.noGrad()) {
      NDArray grad = p.leaf().getGradient();
      NDArray copy = grad.duplicate();
      grad.close();
      copy.attach(into);
      return new org.mpsl4j.model.train.RowGradient(into.create(p.rows()), copy);
    }
  }

  /**
   * Sets rows {@code rowIds} (ascending, unique) to {@code newValues} (k, width), keeping every other row: the rows
   * a shared table's server step changed. Rows new to this owner start with zero moments, held rows keep theirs.
   *
   * @throws IllegalArgumentException naming what does not fit this table
   */
  public void assignRows(long[] rowIds, NDArray newValues) {
    if (!newValues.getShape().equals(new Shape(rowIds.length, width))) {
      throw new IllegalArgumentException("rows " + rowIds.length + " of a table of width " + width + " cannot take "
          + newValues.getShape());
    }
    for (int i = 0; i < rowIds.length; i++) {
      if (rowIds[i] < 0 || rowIds[i] >= rows || (i > 0 && rowIds[i] <= rowIds[i - 1])) {
        throw new IllegalArgumentException("rows to assign must be strictly ascending within [0, " + rows + ")");
      }
    }
    if (rowIds.length == 0) {
      return;
    }
    try (NDManager scope = manager.newSubManager(); Autograd.NoGrad ignored = Autograd.noGrad()) {
      NDIndex slots = new NDIndex("{}", scope.create(slotsFor(rowIds)));
      values.set(slots, newValues.toType(DataType.FLOAT32, false));
    }
  }

  /**
   * One Adam update of the rows the last recorded lookup used, from the gradient backward left on its
   * leaf: w -= lr' · m / (sqrt(v) + eps') with the bias-corrected lr' and eps' that
   * {@link org.mpsl4j.model.train.Adam} computes for this step. Rows without a moment yet start from
   * zero moments, as in dense Adam. Does nothing when no lookup was recorded since the last step.
   */
  public void adamStep(float learningRate, float correctedLearningRate, float beta1, float beta2, float correctedEps) {
    Pending p = pending;
    pending = null;
    if (p == null || !trainable) {
      return;
    }
    NDArray w = p.leaf();
    NDManager scope = w.getManager();
    ensureMoments();
    try (Autograd.NoGrad ignored = Autograd.noGrad()) {
      NDArray grad = w.getGradient();
      grad.attach(scope);
      long[][] held = held(p.rows());
      NDArray m = scope.zeros(w.getShape());
      NDArray v = scope.zeros(w.getShape());
      if (held[0].length > 0) {
        NDIndex at = new NDIndex("{}", scope.create(held[0]));
        NDIndex from = new NDIndex("{}", scope.create(held[1]));
        NDArray heldM = expAvg.get(from);
        NDArray heldV = expAvgSq.get(from);
        heldM.attach(scope);
        heldV.attach(scope);
        m.set(at, heldM);
        v.set(at, heldV);
      }
      w.getNDArrayInternal().adamUpdate(new NDList(w, grad, m, v), new NDList(w), learningRate, correctedLearningRate,
          0f, 1f, -1f, beta1, beta2, correctedEps, false, false);
      NDIndex slots = new NDIndex("{}", scope.create(slotsFor(p.rows())));
      ensureMoments();
      values.set(slots, w);
      expAvg.set(slots, m);
      expAvgSq.set(slots, v);
    }
  }

  /** The slot of each of {@code rowIds} (ascending), giving new rows new slots. */
  private long[] slotsFor(long[] rowIds) {
    int missing = 0;
    for (long r : rowIds) {
      if (Arrays.binarySearch(sortedRows, 0, size, (int) r) < 0) {
        missing++;
      }
    }
    ensureCapacity(size + missing);
    int[] mergedRows = new int[size + missing];
    int[] mergedSlots = new int[size + missing];
    long[] out = new long[rowIds.length];
    int i = 0;
    int j = 0;
    int k = 0;
    int next = size;
    while (i < size || j < rowIds.length) {
      if (j == rowIds.length || (i < size && sortedRows[i] < rowIds[j])) {
        mergedRows[k] = sortedRows[i];
        mergedSlots[k++] = slotOfSorted[i++];
      } else if (i < size && sortedRows[i] == rowIds[j]) {
        out[j++] = slotOfSorted[i];
        mergedRows[k] = sortedRows[i];
        mergedSlots[k++] = slotOfSorted[i++];
      } else {
        out[j] = next;
        mergedRows[k] = (int) rowIds[j++];
        mergedSlots[k++] = next++;
      }
    }
    sortedRows = mergedRows;
    slotOfSorted = mergedSlots;
    size = k;
    return out;
  }

  /** Grows the delta arrays (by half, at least {@value #MIN_CAPACITY} rows) so that {@code needed} rows fit. */
  private void ensureCapacity(int needed) {
    long capacity = values == null ? 0 : values.getShape().get(0);
    if (needed <= capacity) {
      return;
    }
    long grown = Math.min(rows, Math.max(needed, Math.max(MIN_CAPACITY, capacity + capacity / 2)));
    values = grow(values, grown);
    if (expAvg != null) {
      expAvg = grow(expAvg, grown);
      expAvgSq = grow(expAvgSq, grown);
    }
  }

  /** Allocates zero moments for the held capacity if no own step did yet (a table that only took assigned rows). */
  private void ensureMoments() {
    if (expAvg == null && values != null) {
      expAvg = manager.zeros(values.getShape());
      expAvgSq = manager.zeros(values.getShape());
    }
  }

  private NDArray grow(NDArray old, long capacity) {
    NDArray out = manager.zeros(new Shape(capacity, width));
    if (old != null) {
      out.set(new NDIndex("0:" + old.getShape().get(0)), old);
      old.close();
    }
    return out;
  }

  /**
   * Shrinks the delta arrays to the rows held (between a client's turns, e.g. at an epoch end): the
   * growth reserve is returned to the allocator.
   */
  public void compact() {
    if (values == null || values.getShape().get(0) == size) {
      return;
    }
    if (size == 0) {
      clear();
      return;
    }
    NDIndex used = new NDIndex("0:" + size);
    values = shrink(values, used);
    if (expAvg != null) {
      expAvg = shrink(expAvg, used);
      expAvgSq = shrink(expAvgSq, used);
    }
  }

  private NDArray shrink(NDArray old, NDIndex used) {
    NDArray out;
    try (NDArray view = old.get(used)) {
      out = view.duplicate();
    }
    out.attach(manager);
    old.close();
    return out;
  }

  private void clear() {
    for (NDArray a : new NDArray[] {values, expAvg, expAvgSq}) {
      if (a != null) {
        a.close();
      }
    }
    values = expAvg = expAvgSq = null;
    sortedRows = new int[0];
    slotOfSorted = new int[0];
    size = 0;
  }

  /** The whole current table (base with this owner's rows), owned by {@code scope}: for checkpoints and exports. */
  public NDArray materialize(NDManager scope) {
    NDArray full = base.duplicate();
    full.attach(scope);
    if (size > 0) {
      Delta d = delta(scope);
      full.set(new NDIndex("{}", d.rows()), d.values());
    }
    return full;
  }

  /**
   * This owner's rows, ascending, with their values and moments, owned by {@code scope}.
   *
   * @param rows int64 (k)
   * @param values float32 (k, width), likewise {@code expAvg}, {@code expAvgSq}
   */
  public record Delta(NDArray rows, NDArray values, NDArray expAvg, NDArray expAvgSq) {}

  /** The delta in row order (empty arrays when no row is held). */
  public Delta delta(NDManager scope) {
    long[] rowIds = new long[size];
    long[] slots = new long[size];
    for (int i = 0; i < size; i++) {
      rowIds[i] = sortedRows[i];
      slots[i] = slotOfSorted[i];
    }
    if (size == 0) {
      NDArray none = scope.zeros(new Shape(0, width));
      return new Delta(scope.create(rowIds), none, none, none);
    }
    NDIndex order = new NDIndex("{}", scope.create(slots));
    NDArray[] out = expAvg == null ? new NDArray[] {values.get(order), scope.zeros(new Shape(size, width)),
        scope.zeros(new Shape(size, width))} : new NDArray[] {values.get(order), expAvg.get(order), expAvgSq.get(order)};
    for (NDArray a : out) {
      a.attach(scope);
    }
    return new Delta(scope.create(rowIds), out[0], out[1], out[2]);
  }

  /**
   * Sets the whole table to {@code full} (a server's average of the clients' tables): this owner then holds every row
   * where {@code full} differs from the base, and the rows it held before; a row it held keeps its optimizer moments
   * (as the dense parameters of a client keep theirs when the average replaces them), a row new to it starts with zero
   * moments. Temporaries live in {@code scope}.
   *
   * @throws IllegalArgumentException if {@code full} is not of this table's shape
   */
  public void assign(NDArray full, NDManager scope) {
    if (!full.getShape().equals(base.getShape())) {
      throw new IllegalArgumentException("a table of shape " + base.getShape() + " cannot take " + full.getShape());
    }
    boolean[] differs = full.neq(base).toType(DataType.INT32, false).sum(new int[] {1}).gt(0).toBooleanArray();
    Delta before = delta(scope);
    long[] held = before.rows().toLongArray();
    long[] rowIds = java.util.stream.LongStream.concat(java.util.Arrays.stream(held),
        java.util.stream.IntStream.range(0, differs.length).filter(r -> differs[r]).asLongStream())
        .sorted().distinct().toArray();
    NDArray rowIndex = scope.create(rowIds);
    NDArray kept = scope.zeros(new Shape(rowIds.length, width));
    NDArray keptSq = scope.zeros(new Shape(rowIds.length, width));
    if (held.length > 0) {
      long[] at = java.util.Arrays.stream(held).map(r -> java.util.Arrays.binarySearch(rowIds, r)).toArray();
      NDIndex positions = new NDIndex("{}", scope.create(at));
      kept.set(positions, before.expAvg());
      keptSq.set(positions, before.expAvgSq());
    }
    NDArray values = rowIds.length == 0 ? scope.zeros(new Shape(0, width)) : full.get(new NDIndex("{}", rowIndex));
    restore(new Delta(rowIndex, values, kept, keptSq));
  }

  /**
   * Replaces the delta with {@code d} (a checkpoint): rows strictly ascending in [0, rows), values and
   * moments (k, width). The arrays are copied into this table's manager.
   *
   * @throws IllegalArgumentException naming what does not fit
   */
  public void restore(Delta d) {
    long[] rowIds = d.rows().toLongArray();
    Shape expected = new Shape(rowIds.length, width);
    for (NDArray a : new NDArray[] {d.values(), d.expAvg(), d.expAvgSq()}) {
      if (!a.getShape().equals(expected)) {
        throw new IllegalArgumentException("a delta of " + rowIds.length + " rows needs arrays of shape " + expected
            + " but one is " + a.getShape());
      }
    }
    for (int i = 0; i < rowIds.length; i++) {
      if (rowIds[i] < 0 || rowIds[i] >= rows || (i > 0 && rowIds[i] <= rowIds[i - 1])) {
        throw new IllegalArgumentException("delta rows must be strictly ascending within [0, " + rows + ")");
      }
    }
    clear();
    pending = null;
    if (rowIds.length == 0) {
      return;
    }
    size = rowIds.length;
    sortedRows = new int[size];
    slotOfSorted = new int[size];
    for (int i = 0; i < size; i++) {
      sortedRows[i] = (int) rowIds[i];
      slotOfSorted[i] = i;
    }
    values = own(d.values());
    expAvg = own(d.expAvg());
    expAvgSq = own(d.expAvgSq());
  }

  private NDArray own(NDArray a) {
    NDArray copy = a.toType(DataType.FLOAT32, true);
    copy.attach(manager);
    return copy;
  }
}
