package org.mpsl4j.protocol.codec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.mpsl4j.protocol.MalformedTensorException;
import org.mpsl4j.protocol.v1.Codec;

/**
 * bfloat16, 2 bytes per element: the upper half of each float32, rounded to nearest even. Keeps
 * float32's range (tiny gradients survive) with 8 significant bits (relative error ≤ 2⁻⁸).
 *
 * <p>Why a Java loop: DJL 0.36's PyTorch binding aborts the JVM on a BFLOAT16 tensor (toType, create),
 * and Java 17 has no bulk float→bfloat16 conversion; so each direction is one tight loop over byte
 * buffers (on encode, the float32 bytes of one bulk copy out of the tensor; on decode, straight into the
 * new tensor's memory). {@code mpsl4j bench codec} measures it against the other codecs.
 */
final class BFloat16Codec implements WireCodec {
  static final BFloat16Codec INSTANCE = new BFloat16Codec();

  private BFloat16Codec() {}

  @Override
  public Codec id() {
    return Codec.BFLOAT16;
  }

  @Override
  public ByteString encode(NDArray values) {
    ByteBuffer in = values.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    int n = in.capacity() / 4;
    ByteBuffer out = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      int bits = in.getInt(4 * i);
      // Round to nearest even on the 16 dropped bits (NaN stays NaN; the receiver rejects it anyway).
      out.putShort(2 * i, (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16));
    }
    return UnsafeByteOperations.unsafeWrap(out.array());
  }

  @Override
  public NDArray decode(ByteString data, Shape shape, NDManager manager, String what) {
    long n = shape.size();
    if (data.size() != n * 2) {
      throw new MalformedTensorException(what + ": BFLOAT16 shape " + shape + " needs " + n * 2
          + " bytes but the message has " + data.size());
    }
    ByteBuffer in = data.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    NDArray out = manager.create(shape, DataType.FLOAT32);
    ByteBuffer target = out.toByteBuffer(true);
    boolean view = target.isDirect() && target.capacity() == n * 4;
    if (!view) { // not a view of the tensor's memory (an engine other than PyTorch): fill a buffer, then copy
      out.close();
      target = ByteBuffer.allocateDirect(Math.toIntExact(n * 4));
    }
    target.order(ByteOrder.LITTLE_ENDIAN);
    int base = in.position();
    for (int i = 0; i < n; i++) {
      target.putInt(4 * i, (in.getShort(base + 2 * i) & 0xFFFF) << 16);
    }
    return view ? out : manager.create(target, shape, DataType.FLOAT32);
  }
}
