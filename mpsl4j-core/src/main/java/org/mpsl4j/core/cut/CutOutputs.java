package org.mpsl4j.core.cut;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/**
 * One client's slice Zᵢ of the server's head output for one step: rows {@code [row, row + batch)} of
 * the step's joined output {@code all}. Kept as a row range of the shared array so that a transport
 * can copy the whole output out of native memory once and hand each client its range.
 *
 * @param totalBatch B, the number of samples in the forward pass this slice came from: the client
 *     weights its gradient by {@code batch / totalBatch}
 */
public record CutOutputs(String client, NDArray all, int row, int batch, int totalBatch) {
  /** This client's rows (a view of {@link #all}). */
  public NDArray values() {
    return row == 0 && batch == all.getShape().get(0) ? all : all.get(new NDIndex("{}:{}", row, row + batch));
  }

  /** The weight bᵢ/B the client's output gradient carries. */
  public float weight() {
    return (float) batch / totalBatch;
  }
}
