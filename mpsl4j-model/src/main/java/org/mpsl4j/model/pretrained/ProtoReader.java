package org.mpsl4j.model.pretrained;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A cursor over one protobuf message in wire format (https://protobuf.dev/programming-guides/encoding/).
 *
 * <p>Why hand-written: mpsl4j reads exactly four ONNX message types and a dozen fields of them, so a
 * generated {@code onnx.proto} binding (and a protobuf runtime on the model's class path) would be
 * far more code than the reading itself. Every read is bounds-checked, so a truncated or corrupt file
 * fails with the byte offset where it stopped making sense instead of an
 * {@link IndexOutOfBoundsException} or a silent misread.
 *
 * <p>Usage: {@code while (r.next()) switch (r.field()) { case 1 -> r.string(); default -> r.skip(); }}.
 * Not thread-safe; sub-messages share the underlying buffer, which must not change.
 */
final class ProtoReader {
  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LENGTH_DELIMITED = 2;
  static final int FIXED32 = 5;

  private final ByteBuffer buf;
  private final long base;
  private final String source;
  private int field;
  private int wireType;

  /** A reader of the whole of {@code buf} (from its position to its limit); {@code source} names the file in errors. */
  ProtoReader(ByteBuffer buf, String source) {
    this(buf.slice().order(ByteOrder.LITTLE_ENDIAN), 0, source);
  }

  private ProtoReader(ByteBuffer buf, long base, String source) {
    this.buf = buf;
    this.base = base;
    this.source = source;
  }

  /** Reads the next field's key; false at the end of the message. */
  boolean next() throws IOException {
    if (!buf.hasRemaining()) {
      return false;
    }
    long key = varint();
    field = (int) (key >>> 3);
    wireType = (int) (key & 7);
    if (field <= 0 || (key >>> 3) > Integer.MAX_VALUE) {
      throw error("invalid field number " + (key >>> 3));
    }
    if (wireType != VARINT && wireType != FIXED64 && wireType != LENGTH_DELIMITED && wireType != FIXED32) {
      throw error("unsupported wire type " + wireType + " for field " + field);
    }
    return true;
  }

  int field() {
    return field;
  }

  int wireType() {
    return wireType;
  }

  /** A base-128 varint, at most 10 bytes. */
  long varint() throws IOException {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (!buf.hasRemaining()) {
        throw error("the file ends inside a varint (truncated?)");
      }
      byte b = buf.get();
      result |= (long) (b & 0x7f) << shift;
      if (b >= 0) {
        return result;
      }
    }
    throw error("varint longer than 10 bytes");
  }

  /** The payload of a length-delimited field, as a little-endian view (no copy). */
  ByteBuffer bytes() throws IOException {
    expect(LENGTH_DELIMITED);
    long at = offset();
    long length = varint();
    if (length < 0 || length > buf.remaining()) {
      throw new IOException(prefix() + "field " + field + " at byte " + at + " declares " + length
          + " bytes but only " + buf.remaining() + " remain (the file is truncated or corrupt)");
    }
    ByteBuffer out = buf.slice(buf.position(), (int) length).order(ByteOrder.LITTLE_ENDIAN);
    buf.position(buf.position() + (int) length);
    return out;
  }

  /** A nested message. */
  ProtoReader message() throws IOException {
    ByteBuffer payload = bytes();
    return new ProtoReader(payload, offset() - payload.remaining(), source);
  }

  String string() throws IOException {
    ByteBuffer b = bytes();
    byte[] a = new byte[b.remaining()];
    b.get(a);
    return new String(a, StandardCharsets.UTF_8);
  }

  /**
   * A repeated int64 field, which writers may send packed (one length-delimited run) or as single
   * varints; one call reads whichever this occurrence is.
   */
  void int64s(LongSink sink) throws IOException {
    if (wireType == VARINT) {
      sink.accept(varint());
      return;
    }
    ProtoReader packed = message();
    while (packed.buf.hasRemaining()) {
      sink.accept(packed.varint());
    }
  }

  /** A repeated float field, packed or as single fixed32 values. */
  void floats(FloatSink sink) throws IOException {
    if (wireType == FIXED32) {
      requireRemaining(4);
      sink.accept(buf.getFloat());
      return;
    }
    ByteBuffer packed = bytes();
    if (packed.remaining() % 4 != 0) {
      throw error("packed float field " + field + " has " + packed.remaining() + " bytes, not a multiple of 4");
    }
    while (packed.hasRemaining()) {
      sink.accept(packed.getFloat());
    }
  }

  /** Skips the current field's value, whatever its type. */
  void skip() throws IOException {
    switch (wireType) {
      case VARINT -> varint();
      case FIXED64 -> advance(8);
      case FIXED32 -> advance(4);
      case LENGTH_DELIMITED -> bytes();
      default -> throw error("unsupported wire type " + wireType);
    }
  }

  /** Absolute byte offset of the cursor in the file. */
  long offset() {
    return base + buf.position();
  }

  /** An error that names the file and the offset, for messages about this message's content. */
  IOException error(String message) {
    return new IOException(prefix() + message + " (at byte " + offset() + ")");
  }

  private String prefix() {
    return source + " is not a readable ONNX model: ";
  }

  private void expect(int type) throws IOException {
    if (wireType != type) {
      throw error("field " + field + " has wire type " + wireType + " where " + type + " was expected");
    }
  }

  private void advance(int n) throws IOException {
    requireRemaining(n);
    buf.position(buf.position() + n);
  }

  private void requireRemaining(int n) throws IOException {
    if (buf.remaining() < n) {
      throw error("the file ends inside field " + field + " (truncated?)");
    }
  }

  @FunctionalInterface
  interface LongSink {
    void accept(long value) throws IOException;
  }

  @FunctionalInterface
  interface FloatSink {
    void accept(float value);
  }
}
