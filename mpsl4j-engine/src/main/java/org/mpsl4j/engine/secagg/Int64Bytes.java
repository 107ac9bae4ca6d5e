package org.mpsl4j.engine.secagg;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Vectors of int64 (masked shares, padded sums, padded gradients: values modulo 2⁶⁴) as the protocol's {@code bytes}
 * fields carry them: little-endian, 8 bytes a value, nothing else. One place for the encoding that secure
 * aggregation, the private average and the private shared tokenizer all use.
 */
public final class Int64Bytes {
  private Int64Bytes() {}

  public static ByteString of(long[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(values);
    return ByteString.copyFrom(b.array());
  }

  /**
   * @param what names the message in the error, e.g. {@code masked share from 'c3'}
   * @throws IllegalArgumentException if {@code bytes} do not hold exactly {@code length} int64 values
   */
  public static long[] read(ByteString bytes, int length, String what) {
    if (bytes.size() != (long) length * Long.BYTES) {
      throw new IllegalArgumentException(what + " has " + bytes.size() + " bytes but " + length
          + " int64 values (" + (long) length * Long.BYTES + " bytes) are expected");
    }
    long[] out = new long[length];
    bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
    return out;
  }

  /** All whole int64 values of {@code bytes} (a trailing partial value is ignored), for readers that know no length. */
  public static long[] read(ByteString bytes) {
    long[] out = new long[bytes.size() / Long.BYTES];
    bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
    return out;
  }
}
