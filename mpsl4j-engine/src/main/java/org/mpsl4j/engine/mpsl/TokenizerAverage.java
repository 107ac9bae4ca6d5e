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
   * Replaces the weights with Σ nᵢ·θᵢ / Σ nᵢ over the uploads; keeps the old ones if none arrived. A
   * table sent by rows counts as the initial table with those rows replaced, so the average is
   * θ₀ + Σ wᵢ·(θᵢ − θ₀), touching only the rows some client changed.
   */
  void update(List<TokenizerUpload> uploads, NDManager scope) {
    if (uploads.isEmpty()) {
      return;
    }
    long total = uploads.stream().mapToLong(TokenizerUpload::samples).sum();
    for (Map.Entry<String, Parameter> e : averagedParameters().entrySet()) {
      String name = e.getKey();
      NDArray sum;
      if (uploads.stream().noneMatch(u -> u.rows().containsKey(name))) {
        sum = null;
        for (TokenizerUpload u : uploads) {
          NDArray weighted = u.parameters().get(name).mul((float) u.samples() / total);
          sum = sum == null ? weighted : sum.add(weighted);
        }
      } else {
        NDArray init = initial.get(name);
        sum = init.duplicate();
        sum.attach(scope);
        for (TokenizerUpload u : uploads) {
          float w = (float) u.samples() / total;
          NDArray values = u.parameters().get(name);
          if (u.rows().containsKey(name)) {
            SparseRows.addChange(sum, init, u.rows().get(name), values, w);
          } else {
            sum.addi(values.sub(init).muli(w));
          }
        }
      }
      sum.attach(scope);
      e.getValue().copyFrom(sum);
    }
  }
}
