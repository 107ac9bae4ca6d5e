package org.mpsl4j.protocol;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.mpsl4j.protocol.v1.Codec;
import org.mpsl4j.protocol.v1.DType;
import org.mpsl4j.protocol.codec.WireCodec;
import org.mpsl4j.protocol.v1.Tensor;

/**
 * Converts native tensors to {@link Tensor} messages and back.
 *
 * <p>Encoding copies the tensor's memory once into a buffer that the message wraps without another
 * copy (the message may outlive the tensor: a transport serializes it later, on its own thread).
 * Decoding validates dtype, codec, shape and byte count against {@link TensorLimits} before it
 * allocates anything, so a hostile or corrupt message is rejected with a precise reason
 * ({@link MalformedTensorException}), never a crash; it then copies the bytes once, straight into the
 * memory of an uninitialized native tensor (no zeroing, no intermediate direct buffer whose memory
 * only the garbage collector would free), and checks floats for NaN/Inf with one reduction. No
 * per-element Java loop on either side ({@code mpsl4j bench codec} measures both directions).
 *
 * <p>Lossy codecs (FLOAT16, BFLOAT16, INT8_ROW, TOPK; {@link CodecSpec}) pack float32 data; the shared
 * checks above run first, then the codec's own ({@link org.mpsl4j.protocol.codec.WireCodec#decode}),
 * then the same finiteness check on the decoded values. The RAW path is unchanged.
 */
public final class TensorCodec {
  private TensorCodec() {}

  /**
   * A float32 tensor packed with {@code codec} ({@link #encode(NDArray)} for RAW). The message keeps dtype
   * FLOAT32 and the tensor's shape; only the data is packed (see {@link org.mpsl4j.protocol.codec.WireCodec}).
   */
  public static Tensor encode(NDArray array, CodecSpec codec) {
    if (!codec.lossy()) {
      return encode(array);
    }
    if (array.getDataType() != DataType.FLOAT32) {
      throw new IllegalArgumentException("codec " + codec + " packs FLOAT32 tensors, not " + array.getDataType());
    }
    Tensor.Builder b = Tensor.newBuilder().setDtype(DType.FLOAT32).setCodec(codec.codec())
        .setData(codec.wire().encode(array));
    for (long d : array.getShape().getShape()) {
      b.addShape(d);
    }
    return b.build();
  }

  /**
   * Decodes a tensor that must use the negotiated {@code expected} codec (and, for TOPK, at most its
   * fraction of elements); any other codec is a {@link MalformedTensorException} that names both.
   */
  public static NDArray decode(Tensor tensor, NDManager manager, TensorLimits limits, String what, CodecSpec expected) {
    Codec got = tensor.getCodec();
    if (got == Codec.CODEC_UNSPECIFIED || got == Codec.UNRECOGNIZED) {
      throw new MalformedTensorException(what + ": unsupported codec " + codecName(tensor));
    }
    if (got != expected.codec()) {
      throw new MalformedTensorException(what + ": codec " + got + " but this session negotiated " + expected);
    }
    return decode(tensor, manager, limits, what, expected.lossy() ? expected.wire() : null);
  }

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
   * Splits {@code array} along its first dimension into consecutive parts of {@code rows[i]} rows and
   * encodes each as RAW, with one copy of the native memory for all parts (each message wraps its
   * range of that copy): a server answering N clients pays one JNI copy per step instead of N slices
   * and N copies. Each part decodes exactly like {@link #encode(NDArray)} of that slice.
   *
   * @throws IllegalArgumentException if the parts do not add up to the first dimension
   */
  public static java.util.List<Tensor> encodeRows(NDArray array, int[] rows) {
    long[] shape = array.getShape().getShape();
    long total = 0;
    for (int r : rows) {
      if (r < 0) {
        throw new IllegalArgumentException("negative row count " + r);
      }
      total += r;
    }
    if (shape.length == 0 || total != shape[0]) {
      throw new IllegalArgumentException("parts of " + java.util.Arrays.toString(rows) + " rows do not split shape "
          + array.getShape());
    }
    Tensor whole = encode(array);
    ByteString data = whole.getData();
    long rowBytes = shape[0] == 0 ? 0 : data.size() / shape[0];
    java.util.List<Tensor> out = new java.util.ArrayList<>(rows.length);
    long row = 0;
    for (int r : rows) {
      Tensor.Builder b = whole.toBuilder().setShape(0, r)
          .setData(data.substring((int) (row * rowBytes), (int) ((row + r) * rowBytes)));
      out.add(b.build());
      row += r;
    }
    return out;
  }

  /**
   * Rebuilds a RAW tensor in {@code manager} (every other codec is refused: lossy codecs are decoded only
   * where they were negotiated, {@link #decode(Tensor, NDManager, TensorLimits, String, CodecSpec)}).
   *
   * @param what names the tensor in error messages, e.g. "activations of client 7, step 12"
   * @throws MalformedTensorException if any field is invalid or outside {@code limits}
   */
  public static NDArray decode(Tensor tensor, NDManager manager, TensorLimits limits, String what) {
    if (tensor.getCodec() != Codec.RAW) {
      throw new MalformedTensorException(what + ": unsupported codec " + codecName(tensor));
    }
    return decode(tensor, manager, limits, what, (WireCodec) null);
  }

  private static String codecName(Tensor t) {
    return t.getCodec() == Codec.UNRECOGNIZED ? "number " + t.getCodecValue() : t.getCodec().name();
  }

  /**
   * Checks a RAW tensor exactly as {@link #decode(Tensor, NDManager, TensorLimits, String)} does (codec,
   * dtype, rank, dimensions, element limit, byte count) without allocating anything, and returns its
   * shape: for a receiver that copies many messages into one tensor ({@link #decodeJoined}). Values are
   * not looked at.
   *
   * @throws MalformedTensorException naming {@code what} and the failed check
   */
  public static Shape checkRaw(Tensor tensor, TensorLimits limits, String what) {
    if (tensor.getCodec() != Codec.RAW) {
      throw new MalformedTensorException(what + ": unsupported codec " + codecName(tensor));
    }
    DataType dtype = dtypeOf(tensor, what);
    long[] shape = checkedShape(tensor, limits, what);
    checkByteCount(tensor, shape, dtype, what);
    return new Shape(shape);
  }

  /**
   * The RAW tensors {@code parts} joined along their first dimension into one new native tensor: one
   * allocation and one view of its memory, then one bulk copy per part into its rows, with no native
   * tensor per part. Each part must have passed {@link #checkRaw} (the caller's limits), and all must
   * share dtype and trailing dimensions. The same bytes as decoding each part and concatenating them.
   * Values are not checked (a caller checks the joined tensor once).
   *
   * @throws IllegalArgumentException if {@code parts} is empty or the parts do not fit together
   */
  public static NDArray decodeJoined(java.util.List<Tensor> parts, NDManager manager) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("nothing to join");
    }
    Tensor first = parts.get(0);
    DataType dtype = dtypeOf(first, "joined tensor");
    long[] shape = new long[first.getShapeCount()];
    long rowBytes = dtype.getNumOfBytes();
    for (int i = 1; i < shape.length; i++) {
      shape[i] = first.getShape(i);
      rowBytes *= shape[i];
    }
    for (Tensor t : parts) {
      boolean fits = t.getCodec() == Codec.RAW && t.getDtype() == first.getDtype()
          && t.getShapeCount() == shape.length && t.getData().size() == t.getShape(0) * rowBytes;
      for (int i = 1; fits && i < shape.length; i++) {
        fits = t.getShape(i) == shape[i];
      }
      if (!fits) {
        throw new IllegalArgumentException("a part of shape " + t.getShapeList() + " (" + t.getDtype() + ", "
            + t.getCodec() + ", " + t.getData().size() + " bytes) does not join with " + first.getShapeList());
      }
      shape[0] += t.getShape(0);
    }
    long bytes = shape[0] * rowBytes;
    NDArray joined = manager.create(new Shape(shape), dtype);
    try {
      ByteBuffer target = joined.toByteBuffer(true);
      if (!target.isDirect() || target.capacity() != bytes) {
        // Not a view of the tensor's memory (an engine other than PyTorch): copy through a buffer.
        joined.close();
        ByteBuffer direct = ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
        for (Tensor t : parts) {
          t.getData().copyTo(direct);
        }
        direct.flip();
        return manager.create(direct, new Shape(shape), dtype);
      }
      for (Tensor t : parts) {
        t.getData().copyTo(target); // advances the position: each part lands right after the previous one
      }
    } catch (RuntimeException e) {
      joined.close();
      throw e;
    }
    return joined;
  }

  private static DataType dtypeOf(Tensor tensor, String what) {
    return switch (tensor.getDtype()) {
      case FLOAT32 -> DataType.FLOAT32;
      case INT64 -> DataType.INT64;
      default -> throw new MalformedTensorException(what + ": unsupported dtype " + tensor.getDtype());
    };
  }

  private static long[] checkedShape(Tensor tensor, TensorLimits limits, String what) {
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
    return shape;
  }

  private static void checkByteCount(Tensor tensor, long[] shape, DataType dtype, String what) {
    long expectedBytes = dtype.getNumOfBytes();
    for (long d : shape) {
      expectedBytes *= d; // cannot overflow: checkedShape bounded the element count
    }
    if (tensor.getData().size() != expectedBytes) {
      throw new MalformedTensorException(what + ": shape " + new Shape(shape) + " of " + dtype + " needs "
          + expectedBytes + " bytes but the message has " + tensor.getData().size());
    }
  }

  /** @param lossy the codec of the data, null for RAW */
  private static NDArray decode(Tensor tensor, NDManager manager, TensorLimits limits, String what, WireCodec lossy) {
    DataType dtype = dtypeOf(tensor, what);
    if (lossy != null && dtype != DataType.FLOAT32) {
      throw new MalformedTensorException(what + ": codec " + tensor.getCodec() + " needs dtype FLOAT32, not " + dtype);
    }
    long[] shape = checkedShape(tensor, limits, what);
    ByteString data = tensor.getData();
    if (lossy != null) {
      NDArray array = lossy.decode(data, new Shape(shape), manager, what);
      try {
        if (limits.rejectNonFinite() && !allFinite(array)) {
          throw new MalformedTensorException(what + ": decodes to NaN or infinite values");
        }
      } catch (RuntimeException e) {
        array.close();
        throw e;
      }
      return array;
    }
    checkByteCount(tensor, shape, dtype, what);
    // An uninitialized native tensor, and a view of its memory: one bulk copy from the message into it.
    NDArray array = manager.create(new Shape(shape), dtype);
    try {
      ByteBuffer target = array.toByteBuffer(true);
      if (!target.isDirect() || target.capacity() != data.size()) {
        // Not a view of the tensor's memory (an engine other than PyTorch): copy through a buffer.
        array.close();
        ByteBuffer direct = ByteBuffer.allocateDirect(data.size()).order(ByteOrder.LITTLE_ENDIAN);
        data.copyTo(direct);
        direct.flip();
        array = manager.create(direct, new Shape(shape), dtype);
      } else {
        data.copyTo(target);
      }
      if (dtype == DataType.FLOAT32 && limits.rejectNonFinite() && !allFinite(array)) {
        throw new MalformedTensorException(what + ": contains NaN or infinite values");
      }
    } catch (RuntimeException e) {
      array.close();
      throw e;
    }
    return array;
  }

  /**
   * True if no element is NaN or ±Inf. A finite sum proves it (NaN and ±Inf propagate through
   * addition), so a valid tensor costs one reduction; only a non-finite sum (a bad element, or a sum
   * that overflowed from huge finite values) pays for the exact element-wise check.
   */
  private static boolean allFinite(NDArray array) {
    try (NDArray sum = array.sum()) {
      if (Float.isFinite(sum.getFloat())) {
        return true;
      }
    }
    try (NDArray nan = array.isNaN(); NDArray inf = array.isInfinite(); NDArray bad = nan.logicalOr(inf);
        NDArray any = bad.any()) {
      return !any.getBoolean();
    }
  }
}
