package org.mpsl4j.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.protobuf.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mpsl4j.protocol.MalformedTensorException;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.TensorLimits;
import org.mpsl4j.protocol.v1.Tensor;

/** The codec that B3 measures: the faster decode must accept and reject exactly what the old one did. */
class TensorCodecTest {
  private NDManager manager;
  private final TensorLimits limits = new TensorLimits(3, 1L << 24, true);

  @BeforeEach
  void setUp() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void tearDown() {
    manager.close();
  }

  @Test
  void roundTripKeepsEveryBitAndTheWireFormatIsUnchanged() {
    NDArray x = manager.randomNormal(new Shape(4, 17, 8));
    Tensor t = TensorCodec.encode(x);
    assertThat(t.getData()).isEqualTo(TensorCodecBefore.encode(x).getData());
    NDArray y = TensorCodec.decode(t, manager, limits, "x");
    assertThat(y.getShape()).isEqualTo(x.getShape());
    assertThat(y.getDataType()).isEqualTo(DataType.FLOAT32);
    assertThat(y.toFloatArray()).containsExactly(x.toFloatArray());
    assertThat(TensorCodecBefore.decode(t, manager, limits, "x").toFloatArray()).containsExactly(y.toFloatArray());
  }

  @Test
  void roundTripOfInt64AndOfANonContiguousView() {
    NDArray ids = manager.arange(0, 24, 1, DataType.INT64).reshape(2, 12);
    assertThat(TensorCodec.decode(TensorCodec.encode(ids), manager, limits, "ids").toLongArray())
        .containsExactly(ids.toLongArray());
    NDArray transposed = manager.arange(0f, 12f).reshape(3, 4).transpose();
    assertThat(TensorCodec.decode(TensorCodec.encode(transposed), manager, limits, "t").toFloatArray())
        .containsExactly(transposed.toFloatArray());
  }

  @Test
  void decodedTensorsBelongToTheGivenManager() {
    Tensor t = TensorCodec.encode(manager.ones(new Shape(3, 5)));
    NDArray y;
    try (NDManager step = manager.newSubManager()) {
      y = TensorCodec.decode(t, step, limits, "x");
      assertThat(y.getManager()).isSameAs(step);
      assertThat(y.sum().getFloat()).isEqualTo(15f);
    }
    assertThat(y.isReleased()).isTrue();
  }

  @Test
  void rejectsNaNAndInfinityLikeBefore() {
    for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
      float[] v = new float[100];
      v[57] = bad;
      Tensor t = TensorCodec.encode(manager.create(v, new Shape(10, 10)));
      assertThatThrownBy(() -> TensorCodec.decode(t, manager, limits, "grad of client 3"))
          .isInstanceOf(MalformedTensorException.class).hasMessageContaining("grad of client 3")
          .hasMessageContaining("NaN or infinite");
      assertThatThrownBy(() -> TensorCodecBefore.decode(t, manager, limits, "x"))
          .isInstanceOf(MalformedTensorException.class);
    }
  }

  @Test
  void acceptsHugeFiniteValuesWhoseSumOverflows() {
    float[] v = {3e38f, 3e38f, 3e38f, -1f};
    Tensor t = TensorCodec.encode(manager.create(v, new Shape(2, 2)));
    assertThat(TensorCodec.decode(t, manager, limits, "x").toFloatArray()).containsExactly(v);
  }

  @Test
  void nonFiniteValuesPassWhereTheLimitsAllowThem() {
    Tensor t = TensorCodec.encode(manager.create(new float[] {Float.NaN, 1f}, new Shape(2)));
    NDArray y = TensorCodec.decode(t, manager, new TensorLimits(3, 100, false), "x");
    assertThat(Float.isNaN(y.toFloatArray()[0])).isTrue();
  }

  @Test
  void rejectsAByteCountThatDoesNotMatchTheShape() {
    Tensor t = TensorCodec.encode(manager.ones(new Shape(2, 3))).toBuilder()
        .setData(ByteString.copyFrom(new byte[5 * 4])).build();
    assertThatThrownBy(() -> TensorCodec.decode(t, manager, limits, "x"))
        .isInstanceOf(MalformedTensorException.class).hasMessageContaining("needs 24 bytes but the message has 20");
  }
}
