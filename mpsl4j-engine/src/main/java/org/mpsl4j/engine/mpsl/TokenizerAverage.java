package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.Parameter;

/**
 * The global tokenizers: a sample-weighted FedAvg of the clients' tokenizers, rebuilt at each epoch
 * end. Together with the server model it forms the deployable global model. It is never used for
 * training; clients keep training their own tokenizers.
 */
final class TokenizerAverage {
  private final ClientModel model;

  TokenizerAverage(NDManager manager, ModelConfig config, Random rng) {
    model = new ClientModel(manager, config, rng);
    model.setTrainable(false);
  }

  ClientModel model() {
    return model;
  }

  /** Replaces the weights with Σ nᵢ·θᵢ / Σ nᵢ over the uploads; keeps the old ones if none arrived. */
  void update(List<StepPhases.Upload> uploads, NDManager scope) {
    if (uploads.isEmpty()) {
      return;
    }
    long total = uploads.stream().mapToLong(StepPhases.Upload::samples).sum();
    for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
      NDArray sum = null;
      for (StepPhases.Upload u : uploads) {
        NDArray weighted = u.parameters().get(e.getKey()).mul((float) u.samples() / total);
        sum = sum == null ? weighted : sum.add(weighted);
      }
      sum.attach(scope);
      e.getValue().copyFrom(sum);
    }
  }
}
