package org.mpsl4j.engine.baselines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.mpsl4j.core.data.BatchTensors;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.model.ServerModel;

/**
 * FedAvg's local model: the tokenizers and the server part joined, exactly the model MPSL splits.
 * Built in the same draw order as MPSL and centralized training (tokenizers, then server part), so
 * all methods start from one and the same model.
 */
public final class WholeModel implements LocalModel {
  private final ClientModel client;
  private final ServerModel server;

  public WholeModel(NDManager manager, ModelConfig config, long seed) {
    Random rng = new Random(seed);
    client = new ClientModel(manager, config, rng);
    server = new ServerModel(manager, config, rng);
  }

  public ClientModel client() {
    return client;
  }

  public ServerModel server() {
    return server;
  }

  @Override
  public NDArray forward(BatchTensors batch, boolean training) {
    return server.forward(client.forward(batch.inputs(), batch.masks()), training);
  }

  @Override
  public Map<String, Parameter> trainable() {
    Map<String, Parameter> out = new LinkedHashMap<>(client.trainableParameters());
    out.putAll(server.trainableParameters());
    return out;
  }
}
