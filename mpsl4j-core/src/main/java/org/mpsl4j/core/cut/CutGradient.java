package org.mpsl4j.core.cut;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import java.util.List;

/**
 * One client's slice of ∂L/∂A for one step: rows {@code [row, row + batch)} of each input's joined
 * cut-layer gradient in {@code all} (model order). Only clients whose output gradient counted in the
 * step get one.
 */
public record CutGradient(String client, List<NDArray> all, int row, int batch) {
  public CutGradient {
    all = List.copyOf(all);
  }

  /** This client's rows of input {@code input}'s gradient (a view). */
  public NDArray values(int input) {
    NDArray a = all.get(input);
    return row == 0 && batch == a.getShape().get(0) ? a : a.get(new NDIndex("{}:{}", row, row + batch));
  }

  public int inputs() {
    return all.size();
  }
}
