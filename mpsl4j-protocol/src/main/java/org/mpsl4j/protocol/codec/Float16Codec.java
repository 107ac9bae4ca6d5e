package org.mpsl4j.protocol.codec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.protobuf.ByteString;
import org.mpsl4j.protocol.MalformedTensorException;
import org.mpsl4j.protocol.v1.Codec;

/**
 * IEEE half precision, 2 bytes per element: the cast runs in libtorch (round to nearest even) and the
 * result is copied out in one bulk copy. Keeps 11 significant bits (relative error ≤ 2⁻¹¹) within ±65504;
 * larger magnitudes saturate to ±65504 rather than become ±Inf (which the receiver would reject), and
 * magnitudes below 6.1e-5 lose precision (subnormals) or flush to 0 below 6e-8: fine for activations,
 * risky for tiny gradients (bf16 or int8 keep their range).
 */
final class Float16Codec implements WireCodec {
  static final Float16Codec INSTANCE = new Float16Codec();
  /** Largest finite float16. */
  static final float FLOAT16_MAX = 65504f;
  private static final DataType dtype = DataType.FLOAT16;
  private static final Codec id = Codec.FLOAT16;

  private Float16Codec() {}

  @Override
  public Codec id() {
    return id;
  }

  @Override
  public ByteString encode(NDArray values) {
    try (NDArray clipped = values.clip(-FLOAT16_MAX, FLOAT16_MAX); NDArray half = clipped.toType(dtype, false)) {
      return NativeBytes.bytes(half);
    }
  }

  @Override
  public NDArray decode(ByteString data, Shape shape, NDManager manager, String what) {
    long expected = shape.size() * 2;
    if (data.size() != expected) {
      throw new MalformedTensorException(what + ": " + id + " shape " + shape + " needs " + expected
          + " bytes but the message has " + data.size());
    }
    try (NDArray half = NativeBytes.tensor(data, 0, expected, shape, dtype, manager)) {
      return half.toType(DataType.FLOAT32, false);
    }
  }
}
