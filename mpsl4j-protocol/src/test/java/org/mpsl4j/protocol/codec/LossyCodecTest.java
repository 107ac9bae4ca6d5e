package org.mpsl4j.protocol.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mpsl4j.protocol.CodecSpec;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.TensorLimits;
import org.mpsl4j.protocol.v1.Codec;
import org.mpsl4j.protocol.v1.DType;
import org.mpsl4j.protocol.v1.Tensor;

/** Each lossy codec keeps dtype and shape, stays within its error bound and is as small as its format says. */
final class LossyCodecTest {
  private static final TensorLimits LIMITS = new TensorLimits(3, 1L << 24, true);
  private NDManager manager;
  private NDArray x;

  @BeforeEach
  void setUp() {
    manager = NDManager.newBaseManager();
    manager.getEngine().setRandomSeed(7);
    // Activations-like rows of different scales, and one constant row (scale 0).
    x = manager.randomNormal(new Shape(3, 5, 64)).mul(manager.arange(1f, 16f).reshape(3, 5, 1));
    x.set(new ai.djl.ndarray.index.NDIndex("1, 2"), 0.25f);
  }

  @AfterEach
  void tearDown() {
    manager.close();
  }

  private NDArray roundTrip(String codec, long[] payloadBytes) {
    CodecSpec spec = CodecSpec.parse(codec);
    Tensor t = TensorCodec.encode(x, spec);
    assertThat(t.getDtype()).isEqualTo(DType.FLOAT32);
    assertThat(t.getShapeList()).containsExactly(3L, 5L, 64L);
    assertThat(t.getCodec()).isEqualTo(spec.codec());
    payloadBytes[0] = t.getData().size();
    NDArray y = TensorCodec.decode(t, manager, LIMITS, "x", spec);
    assertThat(y.getShape()).isEqualTo(x.getShape());
    assertThat(y.getDataType()).isEqualTo(DataType.FLOAT32);
    return y;
  }

  @Test
  void float16_relativeErrorAtMostHalfAnUlpOf11Bits() {
    long[] bytes = new long[1];
    NDArray y = roundTrip("fp16", bytes);
    assertThat(bytes[0]).isEqualTo(x.size() * 2);
    float worst = y.sub(x).abs().div(x.abs().add(1e-30f)).max().getFloat();
    assertThat(worst).isLessThanOrEqualTo(0x1p-11f);
  }

  @Test
  void float16_saturatesInsteadOfOverflowing() {
    x = manager.create(new float[] {1e6f, -1e6f, 3f}, new Shape(1, 3));
    CodecSpec fp16 = CodecSpec.parse("fp16");
    NDArray y = TensorCodec.decode(TensorCodec.encode(x, fp16), manager, LIMITS, "x", fp16);
    assertThat(y.toFloatArray()).containsExactly(65504f, -65504f, 3f);
  }

  @Test
  void bfloat16_relativeErrorAtMostHalfAnUlpOf8Bits() {
    long[] bytes = new long[1];
    NDArray y = roundTrip("bf16", bytes);
    assertThat(bytes[0]).isEqualTo(x.size() * 2);
    float worst = y.sub(x).abs().div(x.abs().add(1e-30f)).max().getFloat();
    assertThat(worst).isLessThanOrEqualTo(0x1p-8f);
  }

  @Test
  void int8_errorPerElementAtMostHalfAStepOfItsRow() {
    long[] bytes = new long[1];
    NDArray y = roundTrip("int8", bytes);
    long rows = 15;
    assertThat(bytes[0]).isEqualTo(x.size() + 8 * rows);
    NDArray step = x.max(new int[] {2}, true).sub(x.min(new int[] {2}, true)).div(255f);
    // Half a step, plus float32 rounding of q · scale + min.
    NDArray excess = y.sub(x).abs().sub(step.mul(0.5f).add(x.abs().mul(1e-6f)));
    assertThat(excess.max().getFloat()).isLessThanOrEqualTo(0f);
    assertThat(y.get("1, 2").toFloatArray()).containsOnly(0.25f); // the constant row is exact
    // Row extremes are exact: min is the zero point, max = 255 · scale + min.
    assertThat(y.min(new int[] {2}).toFloatArray()).containsExactly(x.min(new int[] {2}).toFloatArray());
  }

  @Test
  void int8_tinyGradientsKeepTheirRelativeResolution() {
    x = manager.randomNormal(new Shape(4, 64)).mul(1e-7f);
    CodecSpec int8 = CodecSpec.parse("int8");
    NDArray y = TensorCodec.decode(TensorCodec.encode(x, int8), manager, LIMITS, "g", int8);
    float range = x.max().getFloat() - x.min().getFloat();
    assertThat(y.sub(x).abs().max().getFloat()).isLessThanOrEqualTo(range / 255f);
  }

  @Test
  void topk_keepsExactlyTheLargestMagnitudesAndZeroesTheRest() {
    long[] bytes = new long[1];
    NDArray y = roundTrip("topk:0.1", bytes);
    long k = (long) Math.ceil(0.1 * x.size());
    assertThat(bytes[0]).isEqualTo(4 + 8 * k);
    NDArray kept = y.neq(0f);
    assertThat(kept.sum().getLong()).isEqualTo(k);
    // Kept values are exact; every dropped magnitude is ≤ every kept magnitude.
    assertThat(y.booleanMask(kept).toFloatArray()).containsExactly(x.booleanMask(kept).toFloatArray());
    float smallestKept = x.abs().booleanMask(kept).min().getFloat();
    float largestDropped = x.abs().booleanMask(kept.logicalNot()).max().getFloat();
    assertThat(largestDropped).isLessThanOrEqualTo(smallestKept);
  }

  @Test
  void topk_countIsCeilOfTheFractionAndAtLeastOne() {
    assertThat(Codecs.topkCount(0.1f, 960)).isEqualTo(96);
    assertThat(Codecs.topkCount(0.1f, 961)).isEqualTo(97);
    assertThat(Codecs.topkCount(0.001f, 5)).isEqualTo(1);
  }

  @Test
  void specs_parseAndPrintTheCommandLineNames() {
    for (String s : new String[] {"raw", "fp16", "bf16", "int8", "topk:0.1"}) {
      assertThat(CodecSpec.parse(s).toString()).isEqualTo(s);
      assertThat(CodecSpec.fromProto(CodecSpec.parse(s).toProto())).isEqualTo(CodecSpec.parse(s));
    }
    assertThat(CodecSpec.parse("topk:0.25").codec()).isEqualTo(Codec.TOPK);
    assertThatThrownBy(() -> CodecSpec.parse("zip")).hasMessageContaining("unknown codec 'zip'");
    assertThatThrownBy(() -> CodecSpec.parse("topk:0.9")).hasMessageContaining("outside (0, 0.5]");
    assertThatThrownBy(() -> CodecSpec.parse("topk:0")).hasMessageContaining("outside (0, 0.5]");
    assertThatThrownBy(() -> CodecSpec.parse("topk:x")).hasMessageContaining("not a fraction");
  }
}
