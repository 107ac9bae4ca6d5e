package org.mpsl4j.engine;

import org.mpsl4j.core.data.BatchTensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.retrieval.RecallAtK;
import org.mpsl4j.model.train.Objective;

/**
 * A model's score on a test split, without recording gradients: accuracy for classification; for
 * retrieval, Recall@1/5/10 both ways over the whole split (every test pair against every other), whose
 * {@link RecallAtK#meanR1() mean R@1} is the one number curves use.
 *
 * @param value accuracy, or the mean of both directions' Recall@1, in [0, 1]
 * @param recall the retrieval figures, or null for classification
 */
public record TestScore(double value, RecallAtK recall) {

  /**
   * Scores {@code forward} (batch → outputs) on {@code data}, {@code batchSize} samples per pass, each
   * pass in its own sub-manager of {@code parent}; retrieval keeps only the (N, 2e) embeddings.
   */
  public static TestScore of(Objective objective, Function<BatchTensors, NDArray> forward, LabeledDataset data,
      int batchSize, NDManager parent) {
    boolean retrieval = objective == Objective.CONTRASTIVE;
    long correct = 0;
    try (NDManager keep = parent.newSubManager(); Autograd.NoGrad ignored = Autograd.noGrad()) {
      List<NDArray> embeddings = new ArrayList<>();
      for (int start = 0; start < data.size(); start += batchSize) {
        int n = Math.min(batchSize, data.size() - start);
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
          idx[i] = start + i;
        }
        try (NDManager step = parent.newSubManager()) {
          BatchTensors b = BatchTensors.of(data.batch(idx), step);
          NDArray out = forward.apply(b);
          if (retrieval) {
            out.attach(keep);
            embeddings.add(out);
          } else {
            correct += objective.correct(out, b.labels());
          }
        }
      }
      if (data.size() == 0) {
        return new TestScore(0, null);
      }
      if (retrieval) {
        RecallAtK r = RecallAtK.of(embeddings.size() == 1 ? embeddings.get(0) : NDArrays.concat(new NDList(embeddings)));
        return new TestScore(r.meanR1(), r);
      }
      return new TestScore((double) correct / data.size(), null);
    }
  }
}
