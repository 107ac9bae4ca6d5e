package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.HashMap;
import java.util.Map;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.model.nn.RowDeltaTable;
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
    Map<String, RowDeltaTable> tables = new java.util.LinkedHashMap<>();
    java.util.Set<String> trained = shared ? SharedTokenizerStep.trainedNames(model) : null;
    java.util.function.Predicate<String> expected =
        name -> shared ? trained.contains(name) : TokenizerAverage.averaged(model.config(), name);
    model.namedParameters().forEach((name, p) -> {
      if (expected.test(name)) { // a fixed head is the client's own
        params.put(name, p);
      }
    });
    // Tables held as rows over a shared base (simulated text clients) take the average as rows too.
    model.namedTables().forEach((name, t) -> {
      if (expected.test(name)) {
        tables.put(name, t);
      }
    });
    try (NDManager scope = manager.newSubManager()) {
      Map<String, NDArray> values = new HashMap<>();
      for (NamedTensor t : weights.getParametersList()) {
        Parameter p = params.get(t.getName());
        RowDeltaTable table = tables.get(t.getName());
        Shape shape = p != null ? p.shape() : table != null ? table.shape() : null;
        String what = "global tokenizer parameter '" + t.getName() + "'";
        if (shape == null || values.containsKey(t.getName()) || t.hasRows()) {
          java.util.Set<String> known = new java.util.TreeSet<>(params.keySet());
          known.addAll(tables.keySet());
          throw new MalformedTensorException(what + ": unknown, repeated or sent by rows; the model has " + known);
        }
        NDArray a = TensorCodec.decode(t.getTensor(), scope, new TensorLimits(8, Math.max(1, shape.size()), true),
            what);
        if (!a.getShape().equals(shape)) {
          throw new MalformedTensorException(what + ": shape " + a.getShape() + " but the model has " + shape);
        }
        values.put(t.getName(), a);
      }
      if (values.size() != params.size() + tables.size()) {
        throw new MalformedTensorException("global tokenizers lack " + java.util.stream.Stream.concat(
            params.keySet().stream(), tables.keySet().stream()).filter(n -> !values.containsKey(n)).toList());
      }
      values.forEach((name, a) -> {
        if (params.containsKey(name)) {
          params.get(name).copyFrom(a);
        } else {
          tables.get(name).assign(a, scope);
        }
      });
    }
  }
}
