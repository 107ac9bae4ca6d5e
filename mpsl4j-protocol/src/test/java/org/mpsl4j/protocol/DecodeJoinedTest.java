package org.mpsl4j.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mpsl4j.protocol.v1.Tensor;

/**
 * A server joins many clients' RAW messages into one tensor without a native tensor per message: the
 * result must be exactly the per-message decodes concatenated, and the header check must refuse what
 * decoding refuses.
 */
class DecodeJoinedTest {
  @Test
  void joined_isTheDecodedPartsConcatenated_bitForBit() {
    try (NDManager m = NDManager.newBaseManager()) {
      int[] rows = {1, 3, 1, 2};
      List<Tensor> parts = new ArrayList<>();
      List<NDArray> decoded = new ArrayList<>();
      for (int i = 0; i < rows.length; i++) {
        Tensor t = TensorCodec.encode(m.randomNormal(new Shape(rows[i], 5, 4)));
        assertThat(TensorCodec.checkRaw(t, TensorLimits.lenient(), "part " + i)).isEqualTo(new Shape(rows[i], 5, 4));
        parts.add(t);
        decoded.add(TensorCodec.decode(t, m, TensorLimits.lenient(), "part " + i));
      }
      NDArray joined = TensorCodec.decodeJoined(parts, m);
      NDArray expected = NDArrays.concat(new NDList(decoded), 0);
      assertThat(joined.getShape()).isEqualTo(new Shape(7, 5, 4));
      assertThat(joined.toFloatArray()).containsExactly(expected.toFloatArray());
    }
  }

  @Test
  void checkRaw_refusesWhatDecodeRefuses_withoutAllocating() {
    try (NDManager m = NDManager.newBaseManager()) {
      Tensor ok = TensorCodec.encode(m.ones(new Shape(2, 3)));
      Tensor shortData = ok.toBuilder().setData(ok.getData().substring(0, 20)).build();
      assertThatThrownBy(() -> TensorCodec.checkRaw(shortData, TensorLimits.lenient(), "client 'a' grad"))
          .isInstanceOf(MalformedTensorException.class).hasMessageContaining("client 'a' grad")
          .hasMessageContaining("needs 24 bytes but the message has 20");
      assertThatThrownBy(() -> TensorCodec.checkRaw(ok, new TensorLimits(2, 5, true), "big"))
          .isInstanceOf(MalformedTensorException.class).hasMessageContaining("more than 5 elements");
      Tensor zeroDim = ok.toBuilder().setShape(0, 0).setData(ByteString.EMPTY).build();
      assertThatThrownBy(() -> TensorCodec.checkRaw(zeroDim, TensorLimits.lenient(), "z"))
          .isInstanceOf(MalformedTensorException.class).hasMessageContaining("dimension 0 is 0");
      Tensor fp16 = ok.toBuilder().setCodec(org.mpsl4j.protocol.v1.Codec.FLOAT16).build();
      assertThatThrownBy(() -> TensorCodec.checkRaw(fp16, TensorLimits.lenient(), "h"))
          .isInstanceOf(MalformedTensorException.class).hasMessageContaining("unsupported codec FLOAT16");
    }
  }

  @Test
  void partsOfDifferentWidth_doNotJoin() {
    try (NDManager m = NDManager.newBaseManager()) {
      List<Tensor> parts = List.of(TensorCodec.encode(m.ones(new Shape(1, 3))),
          TensorCodec.encode(m.ones(new Shape(1, 4))));
      assertThatThrownBy(() -> TensorCodec.decodeJoined(parts, m)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("does not join");
    }
  }
}
