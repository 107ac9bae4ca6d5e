package org.mpsl4j.protocol.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mpsl4j.protocol.CodecSpec;
import org.mpsl4j.protocol.MalformedTensorException;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.TensorLimits;
import org.mpsl4j.protocol.v1.Codec;
import org.mpsl4j.protocol.v1.DType;
import org.mpsl4j.protocol.v1.Tensor;

/** Every invalid lossy payload is a MalformedTensorException that names the tensor and the field. */
final class HostilePayloadTest {
  private static final TensorLimits LIMITS = new TensorLimits(3, 1L << 20, true);
  private NDManager manager;

  @BeforeEach
  void setUp() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void tearDown() {
    manager.close();
  }

  /** A (2, 4) float32 tensor message with {@code codec} and the given payload. */
  private static Tensor tensor(Codec codec, ByteBuffer payload) {
    return Tensor.newBuilder().setDtype(DType.FLOAT32).addShape(2).addShape(4).setCodec(codec)
        .setData(ByteString.copyFrom(payload.flip())).build();
  }

  private static ByteBuffer le(int bytes) {
    return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Decodes as a receiver that negotiated the tensor's own codec (top-k: the largest fraction, 0.5). */
  private NDArray decode(Tensor t, String what) {
    CodecSpec own = t.getCodec() == Codec.TOPK ? new CodecSpec(Codec.TOPK, 0.5f)
        : t.getCodec() == Codec.FLOAT16 || t.getCodec() == Codec.BFLOAT16 || t.getCodec() == Codec.INT8_ROW
        ? new CodecSpec(t.getCodec(), 0f) : CodecSpec.RAW;
    return TensorCodec.decode(t, manager, LIMITS, what, own);
  }

  private void rejects(Tensor t, String... fragments) {
    var check = assertThatThrownBy(() -> decode(t, "acts of c1"))
        .isInstanceOf(MalformedTensorException.class).hasMessageStartingWith("acts of c1");
    for (String f : fragments) {
      check.hasMessageContaining(f);
    }
  }

  /** An int8 payload for 2 rows of 4: scales, zero points, codes. */
  private static ByteBuffer int8(float scale0, float scale1, float zero0, float zero1) {
    ByteBuffer b = le(8 * 2 + 8).putFloat(scale0).putFloat(scale1).putFloat(zero0).putFloat(zero1);
    return b.put(new byte[] {0, 1, 2, (byte) 255, 4, 5, 6, 7});
  }

  /** A top-k payload for 8 elements. */
  private static ByteBuffer topk(int k, int... indices) {
    ByteBuffer b = le(4 + 8 * indices.length).putInt(k);
    for (int i : indices) {
      b.putInt(i);
    }
    for (int i = 0; i < indices.length; i++) {
      b.putFloat(1f);
    }
    return b;
  }

  @Test
  void wrongLength_isRejectedForEveryCodec() {
    rejects(tensor(Codec.FLOAT16, le(15).put(new byte[15])), "FLOAT16", "needs 16 bytes", "has 15");
    rejects(tensor(Codec.BFLOAT16, le(17).put(new byte[17])), "BFLOAT16", "needs 16 bytes", "has 17");
    rejects(tensor(Codec.INT8_ROW, le(23).put(new byte[23])), "INT8_ROW", "2 rows of 4", "needs 24 bytes");
    rejects(tensor(Codec.TOPK, le(3).put(new byte[3])), "no k");
    rejects(tensor(Codec.TOPK, le(12).putInt(2).putInt(0).putFloat(1f)), "k 2 needs 20 bytes", "has 12");
  }

  @Test
  void int8_nonFiniteOrNegativeScaleOrZeroPoint_isRejected() {
    rejects(tensor(Codec.INT8_ROW, int8(0.1f, Float.NaN, 0f, 0f)), "row 1 has scale NaN");
    rejects(tensor(Codec.INT8_ROW, int8(Float.POSITIVE_INFINITY, 0.1f, 0f, 0f)), "row 0 has scale Infinity");
    rejects(tensor(Codec.INT8_ROW, int8(0.1f, -0.1f, 0f, 0f)), "row 1 has scale -0.1");
    rejects(tensor(Codec.INT8_ROW, int8(0.1f, 0.1f, Float.NEGATIVE_INFINITY, 0f)), "row 0 has zero point -Infinity");
    // Finite fields whose decoded values overflow float32.
    rejects(tensor(Codec.INT8_ROW, int8(3e38f, 0.1f, 3e38f, 0f)), "decodes to NaN or infinite values");
  }

  @Test
  void topk_indexOutOfRangeDuplicatedOrUnsorted_isRejected() {
    rejects(tensor(Codec.TOPK, topk(2, 3, 8)), "index 8 is outside [0, 8)");
    rejects(tensor(Codec.TOPK, topk(2, -1, 3)), "index -1 is outside [0, 8)");
    rejects(tensor(Codec.TOPK, topk(3, 1, 5, 5)), "index 5 at position 2 repeats or is out of order");
    rejects(tensor(Codec.TOPK, topk(3, 1, 6, 5)), "index 5 at position 2");
  }

  @Test
  void topk_kOutOfRange_isRejected() {
    rejects(tensor(Codec.TOPK, topk(0)), "k 0 is outside [1, 4]");
    rejects(tensor(Codec.TOPK, topk(-5)), "k -5 is outside");
    rejects(tensor(Codec.TOPK, topk(5, 0, 1, 2, 3, 4)), "k 5 is outside [1, 4]");
    // The negotiated fraction bounds k further: 0.25 of 8 elements is 2.
    Tensor three = tensor(Codec.TOPK, topk(3, 0, 1, 2));
    assertThatThrownBy(() -> TensorCodec.decode(three, manager, LIMITS, "g", CodecSpec.parse("topk:0.25")))
        .isInstanceOf(MalformedTensorException.class).hasMessageContaining("k 3 is outside [1, 2] (fraction 0.25");
  }

  @Test
  void unknownCodecOrOneOtherThanNegotiated_isRejected() {
    Tensor unknown = tensor(Codec.RAW, le(32).put(new byte[32])).toBuilder().setCodecValue(99).build();
    rejects(unknown, "unsupported codec number 99");
    assertThatThrownBy(() -> TensorCodec.decode(unknown, manager, LIMITS, "acts")).hasMessage("acts: unsupported codec number 99");
    Tensor unset = tensor(Codec.CODEC_UNSPECIFIED, le(32).put(new byte[32]));
    rejects(unset, "unsupported codec CODEC_UNSPECIFIED");
    Tensor half = tensor(Codec.FLOAT16, le(16).put(new byte[16]));
    assertThatThrownBy(() -> TensorCodec.decode(half, manager, LIMITS, "acts", CodecSpec.parse("int8")))
        .isInstanceOf(MalformedTensorException.class)
        .hasMessage("acts: codec FLOAT16 but this session negotiated int8");
    assertThatThrownBy(() -> TensorCodec.decode(unknown, manager, LIMITS, "acts", CodecSpec.RAW))
        .hasMessage("acts: unsupported codec number 99");
  }

  @Test
  void lossyCodecOfAnInt64Tensor_isRejected() {
    Tensor ids = tensor(Codec.FLOAT16, le(16).put(new byte[16])).toBuilder().setDtype(DType.INT64).build();
    rejects(ids, "codec FLOAT16 needs dtype FLOAT32");
  }

  @Test
  void float16Infinity_isRejected() {
    ByteBuffer b = le(16);
    for (int i = 0; i < 8; i++) {
      b.putShort((short) 0x7C00); // +Inf in IEEE half
    }
    rejects(tensor(Codec.FLOAT16, b), "decodes to NaN or infinite values");
  }

  @Test
  void validPayloadsDecode() {
    assertThat(decode(tensor(Codec.TOPK, topk(2, 0, 7)), "g").toFloatArray()).containsExactly(1, 0, 0, 0, 0, 0, 0, 1);
    assertThat(decode(tensor(Codec.INT8_ROW, int8(0.1f, 0f, -1f, 2f)), "g").toFloatArray())
        .containsExactly(-1f, -0.9f, -0.8f, 24.5f, 2f, 2f, 2f, 2f);
  }

  @Test
  void lossyCodecWhereOnlyRawIsExpected_isRejected() {
    // Every tensor that was not negotiated (outputs, output gradients, masks, weights) must be RAW.
    assertThatThrownBy(() -> TensorCodec.decode(tensor(Codec.TOPK, topk(2, 0, 7)), manager, LIMITS, "weights"))
        .isInstanceOf(MalformedTensorException.class).hasMessage("weights: unsupported codec TOPK");
  }
}
