package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The client parameters of the epoch-end average as one vector, for secure aggregation: every parameter whole, in
 * name order (the same on clients and server, however each built its model), flattened row-major.
 */
final class TokenizerVector {
  private TokenizerVector() {}

  /** Every parameter of a client's model whole (row tables materialized), as one vector in name order. */
  static float[] of(org.mpsl4j.model.ClientModel model, java.util.List<String> names, ai.djl.ndarray.NDManager manager) {
    try (ai.djl.ndarray.NDManager scope = manager.newSubManager()) {
      Map<String, NDArray> dense = new java.util.HashMap<>();
      Map<String, org.mpsl4j.model.Parameter> params = model.namedParameters();
      Map<String, org.mpsl4j.model.nn.RowDeltaTable> tables = model.namedTables();
      for (String name : names) {
        org.mpsl4j.model.nn.RowDeltaTable table = tables.get(name);
        dense.put(name, table != null ? table.materialize(scope) : params.get(name).array());
      }
      return flatten(dense);
    }
  }

  /** The values of {@code parameters} in name order, one copy out of native memory per parameter. */
  static float[] flatten(Map<String, NDArray> parameters) {
    Map<String, NDArray> sorted = new TreeMap<>(parameters);
    long n = 0;
    for (NDArray a : sorted.values()) {
      n += a.size();
    }
    float[] out = new float[Math.toIntExact(n)];
    int at = 0;
    for (NDArray a : sorted.values()) {
      float[] v = a.toFloatArray();
      System.arraycopy(v, 0, out, at, v.length);
      at += v.length;
    }
    return out;
  }

  /** Number of values of parameters of these shapes. */
  static int length(Map<String, Shape> shapes) {
    long n = 0;
    for (Shape s : shapes.values()) {
      n += s.size();
    }
    return Math.toIntExact(n);
  }

  /** The inverse of {@link #flatten}: {@code flat} cut into the parameters of {@code shapes}, by name. */
  static Map<String, float[]> split(float[] flat, Map<String, Shape> shapes) {
    if (flat.length != length(shapes)) {
      throw new IllegalArgumentException(flat.length + " values for parameters of " + length(shapes) + " values");
    }
    Map<String, float[]> out = new LinkedHashMap<>();
    int at = 0;
    for (Map.Entry<String, Shape> e : new TreeMap<>(shapes).entrySet()) {
      int size = Math.toIntExact(e.getValue().size());
      float[] v = new float[size];
      System.arraycopy(flat, at, v, 0, size);
      out.put(e.getKey(), v);
      at += size;
    }
    return out;
  }
}
