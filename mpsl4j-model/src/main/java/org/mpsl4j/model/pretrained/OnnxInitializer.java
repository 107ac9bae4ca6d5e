package org.mpsl4j.model.pretrained;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A constant tensor of an ONNX graph ({@code TensorProto} in {@code GraphProto.initializer}): the
 * trained weights.
 *
 * @param name the graph-wide name; PyTorch exports keep module paths for biases and norms but name
 *     transposed MatMul weights {@code onnx::MatMul_N}
 * @param dims the shape
 * @param dataType ONNX {@code TensorProto.DataType}: {@link #FLOAT} or {@link #INT64} are the ones
 *     mpsl4j reads
 * @param data the values, little-endian (from {@code raw_data}, or re-encoded from
 *     {@code float_data}/{@code int64_data}); a read-only view, possibly of a mapped file
 */
public record OnnxInitializer(String name, long[] dims, int dataType, ByteBuffer data) {
  public static final int FLOAT = 1;
  public static final int INT64 = 7;

  public OnnxInitializer {
    dims = dims.clone();
    data = data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  @Override
  public long[] dims() {
    return dims.clone();
  }

  public long elements() {
    long n = 1;
    for (long d : dims) {
      n *= d;
    }
    return n;
  }

  /** The values as floats; fails naming the tensor if it is not FLOAT. */
  public float[] floats() {
    if (dataType != FLOAT) {
      throw new IllegalStateException("ONNX tensor '" + name + "' has data type " + typeName(dataType)
          + ", not FLOAT; it cannot be a weight of the model");
    }
    float[] out = new float[Math.toIntExact(elements())];
    data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }

  /** Bytes per element of the types mpsl4j knows, or 0 for others (their size is not checked). */
  static int bytesPer(int dataType) {
    return switch (dataType) {
      case FLOAT -> 4;
      case INT64 -> 8;
      default -> 0;
    };
  }

  static String typeName(int dataType) {
    return switch (dataType) {
      case FLOAT -> "FLOAT";
      case INT64 -> "INT64";
      default -> "type " + dataType;
    };
  }

  @Override
  public String toString() {
    return name + " " + typeName(dataType) + Arrays.toString(dims);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof OnnxInitializer t && t.name.equals(name) && Arrays.equals(t.dims, dims)
        && t.dataType == dataType && t.data.equals(data);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(dims);
  }
}
