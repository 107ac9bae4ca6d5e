package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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
  /** The initial values of the tables clients may upload by rows: the rows they do not send. */
  private final Map<String, NDArray> initial = new java.util.HashMap<>();

  TokenizerAverage(NDManager manager, ModelConfig config, Random rng) {
    model = new ClientModel(manager, config, rng);
    model.setTrainable(false);
    model.namedParameters().forEach((name, p) -> {
      if (SparseRows.eligible(p.shape())) {
        initial.put(name, p.array().duplicate());
      }
    });
  }

  ClientModel model() {
    return model;
  }

  /** The initial value of a table clients may send by rows ({@link SparseRows#eligible}), or null. Do not close. */
  NDArray initial(String name) {
    return initial.get(name);
  }

  /**
   * Whether a client parameter takes part in the average (and so in uploads and synchronization): all but a fixed
   * client head ({@code --head client-fixed}), which never leaves the clients: drawn from their seed, it is not
   * trained, so averaging it would change nothing, and uploading it would hand the server the head that turns
   * representation gradients back into labels (docs/PRIVACY.md, head inversion).
   */
  static boolean averaged(ModelConfig config, String name) {
    return !(config.head().placement() == org.mpsl4j.model.HeadConfig.Placement.CLIENT_FIXED
        && name.startsWith("head."));
  }

  /** The parameters of the global tokenizers that are averaged ({@link #averaged}), by name. */
  Map<String, Parameter> averagedParameters() {
    Map<String, Parameter> out = new java.util.LinkedHashMap<>();
    model.namedParameters().forEach((name, p) -> {
      if (averaged(model.config(), name)) {
        out.put(name, p);
      }
    });
    return out;
  }

  /** Replaces the weights with these values by name (a securely aggregated average); every parameter is named. */
  void set(Map<String, float[]> values) {
    for (Map.Entry<String, Parameter> e : averagedParameters().entrySet()) {
      NDArray current = e.getValue().array();
      try (NDArray v = current.getManager().create(values.get(e.getKey()), current.getShape())) {
        e.getValue().copyFrom(v);
      }
    }
  }

  /**
   * Starts an epoch-end average: add each client's upload as it is decoded ({@link Sum#add}), then
   * {@link Sum#finish}. The sum is the only array that grows with the model; nothing grows with the
   * number of clients, so an upload's arrays can be freed as soon as it is added.
   */
  Sum begin(NDManager scope) {
    return new Sum(scope);
  }

  /**
   * Σ nᵢ·θᵢ over the uploads so far, per parameter, divided by Σ nᵢ at the end: the sample-weighted
   * FedAvg. A table sent by rows counts as the initial table with those rows replaced, so for tables
   * that may come by rows the sum is of the changes, θ₀ + Σ nᵢ·(θᵢ − θ₀) / Σ nᵢ, touching only the
   * rows some client changed.
   */
  final class Sum {
    private final NDManager scope;
    private final Map<String, NDArray> sums = new java.util.HashMap<>();
    private long samples;

    private Sum(NDManager scope) {
      this.scope = scope;
    }

    /** Adds one client's upload; its arrays are not kept (the caller may free them right after). */
    void add(TokenizerUpload u) {
      float n = u.samples();
      for (String name : averagedParameters().keySet()) {
        NDArray values = u.parameters().get(name);
        NDArray init = initial.get(name);
        NDArray sum = sums.computeIfAbsent(name, k -> scope.zeros(model.namedParameters().get(k).shape()));
        if (u.rows().containsKey(name)) {
          SparseRows.addChange(sum, init, u.rows().get(name), values, n);
        } else if (init != null) {
          try (NDArray change = values.sub(init)) {
            sum.addi(change.muli(n));
          }
        } else {
          try (NDArray weighted = values.mul(n)) {
            sum.addi(weighted);
          }
        }
      }
      samples += u.samples();
    }

    /** Puts the average into the global tokenizers; without any upload they keep their weights. */
    void finish() {
      if (samples == 0) {
        return;
      }
      for (Map.Entry<String, Parameter> e : averagedParameters().entrySet()) {
        NDArray sum = sums.get(e.getKey()).divi((float) samples);
        NDArray init = initial.get(e.getKey());
        if (init != null) {
          sum.addi(init);
        }
        e.getValue().copyFrom(sum);
      }
    }
  }
}
