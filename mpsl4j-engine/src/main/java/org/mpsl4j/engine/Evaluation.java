package org.mpsl4j.engine;

import org.mpsl4j.core.data.BatchTensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.ServerModel;
import org.mpsl4j.model.train.Losses;

/** Test accuracy of a (client part, server part) pair on a dataset, without recording gradients. */
public final class Evaluation {
  private Evaluation() {}

  /** Accuracy, or for a retrieval model the mean Recall@1 of both directions; see {@link #score}. */
  public static double accuracy(ClientModel client, ServerModel server, LabeledDataset data, int batchSize,
      NDManager parent) {
    if (org.mpsl4j.model.ModelChoices.task(server.config().head()) == org.mpsl4j.model.ModelChoices.Task.RETRIEVAL) {
      return score(client, server, data, batchSize, parent).value();
    }
    int correct = 0;
    try (Autograd.NoGrad ignored = Autograd.noGrad()) {
      for (int start = 0; start < data.size(); start += batchSize) {
        int n = Math.min(batchSize, data.size() - start);
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
          idx[i] = start + i;
        }
        try (NDManager step = parent.newSubManager()) {
          BatchTensors b = BatchTensors.of(data.batch(idx), step);
          NDArray logits = client.outputs(server.forward(client.forward(b.inputs(), b.masks()), false));
          correct += Losses.correct(logits, b.labels());
        }
      }
    }
    return data.size() == 0 ? 0 : (double) correct / data.size();
  }

  /** The model's {@link TestScore} on {@code data}, by the objective of its head. */
  public static TestScore score(ClientModel client, ServerModel server, LabeledDataset data, int batchSize,
      NDManager parent) {
    return TestScore.of(org.mpsl4j.model.train.Objective.of(server.config().head()),
        b -> server.forward(client.forward(b.inputs(), b.masks()), false), data, batchSize, parent);
  }
}
