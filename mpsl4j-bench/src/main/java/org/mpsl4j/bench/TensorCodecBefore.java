package org.mpsl4j.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.mpsl4j.protocol.MalformedTensorException;
import org.mpsl4j.protocol.TensorLimits;
import org.mpsl4j.protocol.v1.Codec;
import org.mpsl4j.protocol.v1.DType;
import org.mpsl4j.protocol.v1.Tensor;

/**
 * The tensor codec as it was before the B3 benchmark (kept verbatim, so that {@code bench codec}
 * measures before and after side by side in one run): decoding copies into a fresh
 * {@code allocateDirect} buffer (zeroed, and freed only when the garbage collector finds it) and
 * checks for NaN/Inf with four full-size tensor operations.
 *
 * <p>Original documentation: converts native tensors to {@link Tensor} messages and back.
 *
 * <p>Encoding copies the tensor's memory once into a buffer that the message wraps without another
 * copy. Decoding validates dtype, codec, shape and byte count against {@link TensorLimits} before it
 * allocates anything, so a hostile or corrupt message is rejected with a precise reason
 * ({@link MalformedTensorException}), never a crash.
 */
public final class TensorCodecBefore {
  private TensorCodecBefore() {}

  public static Tensor encode(NDArray array) {
    DType dtype = switch (array.getDataType()) {
      case FLOAT32 -> DType.FLOAT32;
      case INT64 -> DType.INT64;
      default -> throw new IllegalArgumentException("cannot send dtype " + array.getDataType() + " (FLOAT32, INT64)");
    };
    ByteBuffer bytes = array.toByteBuffer();
    if (bytes.order() != ByteOrder.LITTLE_ENDIAN) {
      throw new IllegalStateException("native byte order is not little-endian; mpsl4j's wire format needs it");
    }
    Tensor.Builder b = Tensor.newBuilder().setDtype(dtype).setCodec(Codec.RAW)
        .setData(UnsafeByteOperations.unsafeWrap(bytes));
    for (long d : array.getShape().getShape()) {
      b.addShape(d);
    }
    return b.build();
  }

  /**
   * Rebuilds a tensor in {@code manager}.
   *
   * @param what names the tensor in error messages, e.g. "activations of client 7, step 12"
   * @throws MalformedTensorException if any field is invalid or outside {@code limits}
   */
  public static NDArray decode(Tensor tensor, NDManager manager, TensorLimits limits, String what) {
    DataType dtype = switch (tensor.getDtype()) {
      case FLOAT32 -> DataType.FLOAT32;
      case INT64 -> DataType.INT64;
      default -> throw new MalformedTensorException(what + ": unsupported dtype " + tensor.getDtype());
    };
    if (tensor.getCodec() != Codec.RAW) {
      throw new MalformedTensorException(what + ": unsupported codec " + tensor.getCodec());
    }
    int rank = tensor.getShapeCount();
    if (rank == 0 || rank > limits.maxRank()) {
      throw new MalformedTensorException(what + ": rank " + rank + " is outside [1, " + limits.maxRank() + "]");
    }
    long elements = 1;
    long[] shape = new long[rank];
    for (int i = 0; i < rank; i++) {
      long d = tensor.getShape(i);
      if (d <= 0) {
        throw new MalformedTensorException(what + ": dimension " + i + " is " + d);
      }
      shape[i] = d;
      elements = Math.multiplyExact(elements, d);
      if (elements > limits.maxElements()) {
        throw new MalformedTensorException(what + ": more than " + limits.maxElements() + " elements");
      }
    }
    ByteString data = tensor.getData();
    long expectedBytes = elements * dtype.getNumOfBytes();
    if (data.size() != expectedBytes) {
      throw new MalformedTensorException(what + ": shape " + new Shape(shape) + " of " + dtype + " needs "
          + expectedBytes + " bytes but the message has " + data.size());
    }
    ByteBuffer direct = ByteBuffer.allocateDirect(data.size()).order(ByteOrder.LITTLE_ENDIAN);
    data.copyTo(direct);
    direct.flip();
    NDArray array = manager.create(direct, new Shape(shape), dtype);
    if (dtype == DataType.FLOAT32 && limits.rejectNonFinite()
        && array.isNaN().logicalOr(array.isInfinite()).any().getBoolean()) {
      throw new MalformedTensorException(what + ": contains NaN or infinite values");
    }
    return array;
  }
}
