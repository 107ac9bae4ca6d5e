package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.HashMap;
import java.util.Map;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.protocol.MalformedTensorException;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.TensorLimits;
import org.mpsl4j.protocol.v1.NamedTensor;
import org.mpsl4j.protocol.v1.TokenizerWeights;

/**
 * A client replaces its tokenizers with the server's average ({@link TokenizerPolicy}). All or nothing:
 * every expected parameter (all averaged ones; with a shared tokenizer the {@link SharedTokenizerStep#trainedNames
 * trained} ones) must be present once, with its exact shape and finite values, before any
 * is written, so a bad message leaves the client's own tokenizers as they were. The client keeps its
 * optimizer moments: they describe the same parameters, now moved to the average, as in FedAvg with
 * persistent client optimizers.
 */
final class GlobalTokenizerLoad {
  private GlobalTokenizerLoad() {}

  /**
   * Applies the {@code global_tokenizers} of {@code m}; returns null, or why nothing was applied (the client then
   * trains on with its own tokenizers, and the next synchronization may succeed).
   */
  static String applyOrExplain(org.mpsl4j.protocol.v1.ServerMessage m, ClientModel model, boolean shared,
      NDManager manager) {
    try {
      apply(m.getGlobalTokenizers(), model, shared, manager);
      return null;
    } catch (MalformedTensorException e) {
      return "global tokenizers of step " + m.getStep() + " not applied: " + e.getMessage();
    }
  }

  /**
   * @param shared whether the client shares one tokenizer trained by FedSGD: then only the trained parameters come
   * @throws MalformedTensorException naming the parameter, if the message does not match {@code model}
   */
  static void apply(TokenizerWeights weights, ClientModel model, boolean shared, NDManager manager) {
    Map<String, Parameter> params = new java.util.LinkedHashMap<>();
    java.util.Set<String> trained = shared ? SharedTokenizerStep.trainedNames(model) : null;
    model.namedParameters().forEach((name, p) -> {
      boolean expected = shared ? trained.contains(name) : TokenizerAverage.averaged(model.config(), name);
      if (expected) { // a fixed head is the client's own
        params.put(name, p);
      }
    });
    try (NDManager scope = manager.newSubManager()) {
      Map<String, NDArray> values = new HashMap<>();
      for (NamedTensor t : weights.getParametersList()) {
        Parameter p = params.get(t.getName());
        String what = "global tokenizer parameter '" + t.getName() + "'";
        if (p == null || values.containsKey(t.getName()) || t.hasRows()) {
          throw new MalformedTensorException(what + ": unknown, repeated or sent by rows; the model has "
              + params.keySet());
        }
        NDArray a = TensorCodec.decode(t.getTensor(), scope, new TensorLimits(8, Math.max(1, p.shape().size()), true),
            what);
        if (!a.getShape().equals(p.shape())) {
          throw new MalformedTensorException(what + ": shape " + a.getShape() + " but the model has " + p.shape());
        }
        values.put(t.getName(), a);
      }
      if (values.size() != params.size()) {
        throw new MalformedTensorException("global tokenizers lack " + params.keySet().stream()
            .filter(n -> !values.containsKey(n)).toList());
      }
      values.forEach((name, a) -> params.get(name).copyFrom(a));
    }
  }
}
