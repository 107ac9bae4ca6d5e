package org.mpsl4j.model.pretrained;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The ONNX reader on tiny hand-encoded models, for the encodings the MiniLM file does not use (it
 * stores every weight as packed dims + {@code raw_data}): {@code float_data} packed and unpacked,
 * unpacked dims, {@code int64_data}, unknown fields, and data of the wrong size.
 */
final class MiniLmOnnxGraphTest {

  @Test
  void read_floatDataPackedAndUnpacked_decodesValuesAndDims() throws IOException {
    Proto packed = new Proto().string(8, "a.bias").varint(2, 1).varint(1, 3)
        .bytes(4, floats(1f, -2f, 3.5f));
    Proto unpacked = new Proto().varint(1, 2).varint(1, 1).varint(2, 1).string(8, "b.weight")
        .fixed32(4, 0.25f).fixed32(4, -8f).string(12, "a doc string is skipped");
    Proto node = new Proto().string(1, "x").string(1, "b.weight").string(2, "y").string(3, "mm").string(4, "MatMul");
    OnnxGraph g = read(new Proto().varint(1, 8).message(7, new Proto().message(1, node).message(5, packed)
        .message(5, unpacked).string(2, "tiny")));

    assertThat(g.initializers().keySet()).containsExactly("a.bias", "b.weight");
    assertThat(g.initializers().get("a.bias").floats()).containsExactly(1f, -2f, 3.5f);
    assertThat(g.initializers().get("b.weight").dims()).containsExactly(2, 1);
    assertThat(g.initializers().get("b.weight").floats()).containsExactly(0.25f, -8f);
    assertThat(g.nodes()).containsExactly(new OnnxNode("MatMul", "mm", List.of("x", "b.weight"),
        List.of("y")));
    assertThat(g.consumers("b.weight")).hasSize(1);
    assertThat(g.producer("y").name()).isEqualTo("mm");
  }

  @Test
  void read_int64Data_isKeptAsLittleEndianBytes() throws IOException {
    Proto ids = new Proto().varint(1, 3).varint(2, 7).string(8, "ids").bytes(7, varints(0, 1, 511));
    OnnxGraph g = read(new Proto().message(7, new Proto().message(5, ids)));
    ByteBuffer data = g.initializers().get("ids").data();
    assertThat(data.getLong(0)).isZero();
    assertThat(data.getLong(16)).isEqualTo(511);
  }

  @Test
  void read_dataOfWrongSize_namesTheTensor() {
    Proto t = new Proto().varint(1, 4).varint(2, 1).string(8, "short").bytes(9, new byte[12]);
    assertThatThrownBy(() -> read(new Proto().message(7, new Proto().message(5, t))))
        .isInstanceOf(IOException.class).hasMessageContaining("'short' FLOAT[4] needs 16 bytes of data but holds 12");
  }

  @Test
  void read_externalData_isRejected() {
    Proto t = new Proto().varint(1, 1).varint(2, 1).string(8, "far").varint(14, 1);
    assertThatThrownBy(() -> read(new Proto().message(7, new Proto().message(5, t))))
        .isInstanceOf(IOException.class).hasMessageContaining("'far' keeps its data in an external file");
  }

  @Test
  void read_lengthPastTheEnd_reportsTruncation() {
    byte[] whole = new Proto().message(7, new Proto().string(2, "graph name")).toBytes();
    ByteBuffer cut = ByteBuffer.wrap(whole, 0, whole.length - 3).slice();
    assertThatThrownBy(() -> OnnxGraph.read(cut, "cut.onnx")).isInstanceOf(IOException.class)
        .hasMessageContaining("cut.onnx is not a readable ONNX model").hasMessageContaining("truncated");
  }

  private static OnnxGraph read(Proto model) throws IOException {
    return OnnxGraph.read(ByteBuffer.wrap(model.toBytes()), "tiny.onnx");
  }

  private static byte[] floats(float... v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putFloat(f);
    }
    return b.array();
  }

  private static byte[] varints(long... v) {
    Proto p = new Proto();
    for (long x : v) {
      p.rawVarint(x);
    }
    return p.toBytes();
  }

  /** A minimal protobuf writer, just enough to build test models field by field. */
  private static final class Proto {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Proto varint(int field, long value) {
      rawVarint((long) field << 3);
      return rawVarint(value);
    }

    Proto fixed32(int field, float value) {
      rawVarint(((long) field << 3) | 5);
      out.writeBytes(floats(value));
      return this;
    }

    Proto bytes(int field, byte[] value) {
      rawVarint(((long) field << 3) | 2);
      rawVarint(value.length);
      out.writeBytes(value);
      return this;
    }

    Proto string(int field, String value) {
      return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    Proto message(int field, Proto value) {
      return bytes(field, value.toBytes());
    }

    Proto rawVarint(long value) {
      while ((value & ~0x7fL) != 0) {
        out.write((int) ((value & 0x7f) | 0x80));
        value >>>= 7;
      }
      out.write((int) value);
      return this;
    }

    byte[] toBytes() {
      return out.toByteArray();
    }
  }
}
