package org.mpsl4j.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import java.util.Random;
import org.mpsl4j.model.Initializer;
import org.mpsl4j.model.Module;
import org.mpsl4j.model.Parameter;

/** A lookup table: int64 ids (any shape) → rows of {@code weight} (rows × width). */
public final class Embedding extends Module {
  private final Parameter weight;
  private final int rows;

  public Embedding(NDManager manager, int rows, int width, Random rng) {
    this.rows = rows;
    weight = addParameter(manager, "weight", new Shape(rows, width), Initializer.truncatedNormal(0.02), rng);
  }

  public NDArray forward(NDArray ids) {
    return ai.djl.nn.core.Embedding.embedding(ids, weight.array(), SparseFormat.DENSE).singletonOrThrow();
  }

  public int rows() {
    return rows;
  }
}
