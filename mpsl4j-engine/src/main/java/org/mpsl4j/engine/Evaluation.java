package org.mpsl4j.engine;

import ai.djl.ndarray.NDManager;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.ServerModel;

/** Test accuracy of a (client part, server part) pair on a dataset, without recording gradients. */
public final class Evaluation {
  private Evaluation() {}

  /** Accuracy, or for a retrieval model the mean Recall@1 of both directions; see {@link #score}. */
  public static double accuracy(ClientModel client, ServerModel server, LabeledDataset data, int batchSize,
      NDManager parent) {
    return score(client, server, data, batchSize, parent).value();
  }

  /**
   * The model's {@link TestScore} on {@code data}, by the objective of its head; with the head on the clients
   * ({@code --head client}) the client part's head turns the server's representation into the outputs.
   */
  public static TestScore score(ClientModel client, ServerModel server, LabeledDataset data, int batchSize,
      NDManager parent) {
    return TestScore.of(org.mpsl4j.model.train.Objective.of(server.config().head()),
        b -> client.outputs(server.forward(client.forward(b.inputs(), b.masks()), false)), data, batchSize, parent);
  }
}
