package org.mpsl4j.engine.baselines;

import ai.djl.ndarray.NDManager;
import java.util.function.Function;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.core.data.BatchTensors;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.train.Losses;

/** Accuracy of any forward function (batch → logits) on a dataset, without recording gradients. */
public final class TestAccuracy {
  private TestAccuracy() {}

  /** The {@link org.mpsl4j.engine.TestScore} of {@code forward} by {@code objective} (retrieval: Recall@K). */
  public static org.mpsl4j.engine.TestScore score(org.mpsl4j.model.train.Objective objective,
      Function<BatchTensors, ai.djl.ndarray.NDArray> forward, LabeledDataset data, int batchSize) {
    try (NDManager manager = NDManager.newBaseManager()) {
      return org.mpsl4j.engine.TestScore.of(objective, forward, data, batchSize, manager);
    }
  }

  public static double of(Function<BatchTensors, ai.djl.ndarray.NDArray> forward, LabeledDataset data, int batchSize) {
    long correct = 0;
    try (NDManager manager = NDManager.newBaseManager(); Autograd.NoGrad ignored = Autograd.noGrad()) {
      for (int start = 0; start < data.size(); start += batchSize) {
        int n = Math.min(batchSize, data.size() - start);
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
          idx[i] = start + i;
        }
        try (NDManager step = manager.newSubManager()) {
          BatchTensors b = BatchTensors.of(data.batch(idx), step);
          correct += Losses.correct(forward.apply(b), b.labels());
        }
      }
    }
    return data.size() == 0 ? 0 : (double) correct / data.size();
  }
}
