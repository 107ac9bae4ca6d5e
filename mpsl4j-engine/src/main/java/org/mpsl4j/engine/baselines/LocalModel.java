package org.mpsl4j.engine.baselines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;
import org.mpsl4j.core.data.BatchTensors;
import org.mpsl4j.model.Parameter;

/**
 * A whole model held and trained by one party, as in the federated baselines (FedAvg, FedCLIP):
 * tokenizers, encoder and head in one place, no cut. Only {@link #trainable()} travels and is averaged.
 */
public interface LocalModel {
  /** Logits (B, C) for a batch; records for autograd when the caller does. */
  NDArray forward(BatchTensors batch, boolean training);

  /** The trained parameters by full name: what a client uploads and the server averages. */
  Map<String, Parameter> trainable();

  /** Builds a model; the same seed gives the same initial model everywhere. */
  @FunctionalInterface
  interface Factory {
    LocalModel build(NDManager manager, long seed);
  }
}
