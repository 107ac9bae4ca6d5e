package org.mpsl4j.protocol.codec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.protobuf.ByteString;
import org.mpsl4j.protocol.MalformedTensorException;
import org.mpsl4j.protocol.v1.Codec;

/**
 * Top-k sparsification: the k = ceil(fraction · n) elements of largest magnitude over the whole tensor,
 * sent exactly (float32) with their flat indices; every other element decodes to 0. Payload: int32 k,
 * k int32 indices in strictly increasing order (so a duplicate is an error the receiver sees in one
 * reduction), k float32 values: 4 + 8k bytes, 1 / (2 · fraction) times smaller than float32. Hence
 * fractions above 0.5 are refused: they would cost more than RAW. Selection ({@code topK}), sorting and
 * gathering run in libtorch; the receiver scatters with one {@code put}.
 *
 * <p>The dropped mass is what error feedback carries to the next step (client side, activations).
 */
final class TopKCodec implements WireCodec {
  /** Largest fraction worth sending: at 0.5 top-k is as large as RAW. */
  static final float MAX_FRACTION = 0.5f;
  private final float fraction;

  TopKCodec(float fraction) {
    if (!(fraction > 0 && fraction <= MAX_FRACTION)) {
      throw new IllegalArgumentException("top-k fraction " + fraction + " is outside (0, " + MAX_FRACTION + "]");
    }
    this.fraction = fraction;
  }

  /**
   * Elements kept of a tensor of {@code n}: ceil(fraction · n), at least 1. The fraction is taken as the
   * decimal it was written as (0.1f is 0.100000001…, which would make 0.1 of 960 elements 97).
   */
  static long k(float fraction, long n) {
    long k = new java.math.BigDecimal(Float.toString(fraction)).multiply(java.math.BigDecimal.valueOf(n))
        .setScale(0, java.math.RoundingMode.CEILING).longValueExact();
    return Math.max(1, Math.min(n, k));
  }

  @Override
  public Codec id() {
    return Codec.TOPK;
  }

  @Override
  public ByteString encode(NDArray values) {
    long n = values.getShape().size();
    int k = Math.toIntExact(k(fraction, n));
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      NDArray flat = values.reshape(n);
      NDList top = flat.abs().topK(k, 0, true, false);
      NDArray indices = top.get(1).sort();
      NDArray kept = flat.get(indices);
      return NativeBytes.int32(k).concat(NativeBytes.bytes(indices.toType(DataType.INT32, false)))
          .concat(NativeBytes.bytes(kept));
    }
  }

  @Override
  public NDArray decode(ByteString data, Shape shape, NDManager manager, String what) {
    long n = shape.size();
    if (data.size() < 4) {
      throw new MalformedTensorException(what + ": TOPK payload of " + data.size() + " bytes has no k");
    }
    long k = NativeBytes.int32(data, 0);
    long maxK = k(fraction, n);
    if (k < 1 || k > maxK) {
      throw new MalformedTensorException(what + ": TOPK k " + k + " is outside [1, " + maxK + "] (fraction "
          + fraction + " of " + n + " elements)");
    }
    if (data.size() != 4 + 8 * k) {
      throw new MalformedTensorException(what + ": TOPK with k " + k + " needs " + (4 + 8 * k)
          + " bytes but the message has " + data.size());
    }
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      NDArray indices = NativeBytes.tensor(data, 4, 4 * k, new Shape(k), DataType.INT32, manager)
          .toType(DataType.INT64, false);
      NDScope.register(indices);
      long first = indices.getLong(0);
      long last = indices.getLong(k - 1);
      if (first < 0 || last >= n) {
        throw new MalformedTensorException(what + ": TOPK index " + (first < 0 ? first : last)
            + " is outside [0, " + n + ")");
      }
      if (k > 1) {
        NDArray notIncreasing = indices.diff(1, 0).lte(0L);
        if (notIncreasing.any().getBoolean()) {
          long at = notIncreasing.toType(DataType.INT32, false).argMax().getLong() + 1;
          throw new MalformedTensorException(what + ": TOPK index " + indices.getLong(at) + " at position " + at
              + " repeats or is out of order (indices must strictly increase)");
        }
      }
      NDArray kept = NativeBytes.tensor(data, 4 + 4 * k, 4 * k, new Shape(k), DataType.FLOAT32, manager);
      NDScope.register(kept);
      NDArray out = manager.zeros(new Shape(n)).put(indices, kept).reshape(shape);
      NDScope.unregister(out);
      return out;
    }
  }
}
