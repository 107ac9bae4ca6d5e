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
 *
 * <p>With a shared tokenizer whose tables are trained by rows ({@code Welcome.shared_tables}) a table may be absent
 * (no row of it changed) or come by rows: the client sets exactly those rows and keeps its others.
 */
final class GlobalTokenizerLoad {
  private GlobalTokenizerLoad() {}

  /**
   * Applies the {@code global_tokenizers} of {@code m}; returns null, or why nothing was applied (the client then
   * trains on with its own tokenizers, and the next synchronization may succeed).
   */
  static String applyOrExplain(org.mpsl4j.protocol.v1.ServerMessage m, ClientModel model, boolean shared,
      boolean sharedTables, NDManager manager) {
    try {
      apply(m.getGlobalTokenizers(), model, shared, sharedTables, manager);
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
    apply(weights, model, shared, false, manager);
  }

  /** As above; {@code sharedTables}: the tables trained by rows may be absent or come by rows. */
  static void apply(TokenizerWeights weights, ClientModel model, boolean shared, boolean sharedTables,
      NDManager manager) {
    Map<String, Parameter> params = new java.util.LinkedHashMap<>();
    Map<String, RowDeltaTable> tables = new java.util.LinkedHashMap<>();
    java.util.Set<String> trained = shared ? SharedTokenizerStep.trainedNames(model) : null;
    java.util.Set<String> byRows = shared && sharedTables ? SharedTokenizerStep.tableNames(model) : java.util.Set.of();
    java.util.function.Predicate<String> expected = name -> shared ? trained.contains(name) || byRows.contains(name)
        : TokenizerAverage.averaged(model.config(), name);
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
      Map<String, long[]> rowsOf = new HashMap<>();
      for (NamedTensor t : weights.getParametersList()) {
        Parameter p = params.get(t.getName());
        RowDeltaTable table = tables.get(t.getName());
        Shape shape = p != null ? p.shape() : table != null ? table.shape() : null;
        String what = "global tokenizer parameter '" + t.getName() + "'";
        if (shape == null || values.containsKey(t.getName()) || (t.hasRows() && !byRows.contains(t.getName()))) {
          java.util.Set<String> known = new java.util.TreeSet<>(params.keySet());
          known.addAll(tables.keySet());
          throw new MalformedTensorException(what + ": unknown, repeated or sent by rows; the model has " + known
              + (byRows.isEmpty() ? "" : ", of which " + byRows + " may come by rows"));
        }
        Shape want = shape;
        if (t.hasRows()) {
          NDArray r = TensorCodec.decode(t.getRows(), scope, new TensorLimits(1, shape.get(0), false), what + " rows");
          SparseRows.checkRows(r, shape.get(0), what);
          rowsOf.put(t.getName(), r.toLongArray());
          want = new Shape(r.getShape().get(0), shape.get(1));
        }
        NDArray a = TensorCodec.decode(t.getTensor(), scope, new TensorLimits(8, Math.max(1, shape.size()), true),
            what);
        if (!a.getShape().equals(want)) {
          throw new MalformedTensorException(what + ": shape " + a.getShape() + " but " + want + " is needed");
        }
        values.put(t.getName(), a);
      }
      java.util.List<String> missing = java.util.stream.Stream.concat(params.keySet().stream(),
          tables.keySet().stream()).filter(n -> !values.containsKey(n) && !byRows.contains(n)).toList();
      if (!missing.isEmpty()) {
        throw new MalformedTensorException("global tokenizers lack " + missing);
      }
      values.forEach((name, a) -> {
        long[] rows = rowsOf.get(name);
        if (params.containsKey(name)) {
          if (rows == null) {
            params.get(name).copyFrom(a);
          } else {
            setRows(params.get(name), rows, a, scope);
          }
        } else if (rows == null) {
          tables.get(name).assign(a, scope);
        } else {
          tables.get(name).assignRows(rows, a);
        }
      });
    }
  }

  /** Sets rows {@code rows} of a dense parameter to {@code values}, keeping the others. */
  private static void setRows(Parameter p, long[] rows, NDArray values, NDManager scope) {
    try (org.mpsl4j.model.Autograd.NoGrad ignored = org.mpsl4j.model.Autograd.noGrad()) {
      p.array().set(new ai.djl.ndarray.index.NDIndex("{}", scope.create(rows)), values);
    }
  }
}
