package org.mpsl4j.protocol.codec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Bulk copies between message bytes and native tensors, shared by the codecs. */
final class NativeBytes {
  private NativeBytes() {}

  /**
   * A native tensor holding {@code length} bytes of {@code data} from {@code offset}: one bulk copy into
   * an uninitialized tensor's memory (as {@link org.mpsl4j.protocol.TensorCodec} does for RAW).
   */
  static NDArray tensor(ByteString data, long offset, long length, Shape shape, DataType dtype, NDManager manager) {
    ByteString part = data.substring(Math.toIntExact(offset), Math.toIntExact(offset + length));
    NDArray array = manager.create(shape, dtype);
    try {
      ByteBuffer target = array.toByteBuffer(true);
      if (!target.isDirect() || target.capacity() != part.size()) {
        array.close();
        ByteBuffer direct = ByteBuffer.allocateDirect(part.size()).order(ByteOrder.LITTLE_ENDIAN);
        part.copyTo(direct);
        direct.flip();
        return manager.create(direct, shape, dtype);
      }
      part.copyTo(target);
      return array;
    } catch (RuntimeException e) {
      array.close();
      throw e;
    }
  }

  /** The tensor's little-endian bytes, wrapped without a second copy (the buffer is this message's alone). */
  static ByteString bytes(NDArray array) {
    ByteBuffer b = array.toByteBuffer();
    if (b.order() != ByteOrder.LITTLE_ENDIAN) {
      throw new IllegalStateException("native byte order is not little-endian; mpsl4j's wire format needs it");
    }
    return UnsafeByteOperations.unsafeWrap(b);
  }

  /** A little-endian int32 as four bytes. */
  static ByteString int32(int v) {
    return UnsafeByteOperations.unsafeWrap(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, v));
  }

  /** The little-endian int32 at {@code offset}. */
  static int int32(ByteString data, int offset) {
    return data.substring(offset, offset + 4).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getInt();
  }
}
