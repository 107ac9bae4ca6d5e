package org.mpsl4j.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import java.util.Random;
import org.mpsl4j.model.Initializer;
import org.mpsl4j.model.Module;
import org.mpsl4j.model.Parameter;

/**
 * A lookup table: int64 ids (any shape) → rows of {@code weight} (rows × width). The weight is either
 * a dense {@link Parameter} of its own or a {@link RowDeltaTable} over a base shared with other
 * owners (see {@link #sharing}); the name {@code weight} is the same either way.
 */
public final class Embedding extends Module {
  private final Parameter weight;
  private final RowDeltaTable table;
  private final int rows;

  public Embedding(NDManager manager, int rows, int width, Random rng) {
    this.rows = rows;
    weight = addParameter(manager, "weight", new Shape(rows, width), Initializer.truncatedNormal(0.02), rng);
    table = null;
  }

  private Embedding(RowDeltaTable table) {
    this.rows = (int) table.shape().get(0);
    this.weight = null;
    this.table = addTable("weight", table);
  }

  /**
   * A table that reads {@code base}'s weight and keeps only its own trained rows (in {@code manager});
   * trained if {@code base}'s weight is.
   */
  public static Embedding sharing(Embedding base, NDManager manager) {
    if (base.weight == null) {
      throw new IllegalArgumentException("the base of a shared embedding must hold its own dense weight");
    }
    return new Embedding(new RowDeltaTable(base.weight.array(), manager, base.weight.isTrainable()));
  }

  public NDArray forward(NDArray ids) {
    if (table != null) {
      return table.lookup(ids);
    }
    return ai.djl.nn.core.Embedding.embedding(ids, weight.array(), SparseFormat.DENSE).singletonOrThrow();
  }

  public int rows() {
    return rows;
  }
}
