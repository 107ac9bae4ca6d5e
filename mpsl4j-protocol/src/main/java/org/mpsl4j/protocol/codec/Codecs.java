package org.mpsl4j.protocol.codec;

import org.mpsl4j.protocol.v1.Codec;

/** Finds the {@link WireCodec} of a wire enum: the dispatch behind {@link org.mpsl4j.protocol.TensorCodec}. */
public final class Codecs {
  private Codecs() {}

  /** Largest top-k fraction a codec accepts (above it top-k is larger than RAW). */
  public static final float MAX_TOPK_FRACTION = TopKCodec.MAX_FRACTION;

  /**
   * The codec of a lossy wire enum; {@code topkFraction} is TOPK's parameter (ignored otherwise).
   *
   * @throws IllegalArgumentException for RAW (handled by TensorCodec itself), an unknown value or a
   *     fraction outside (0, {@value #MAX_TOPK_FRACTION}]
   */
  public static WireCodec of(Codec codec, float topkFraction) {
    return switch (codec) {
      case FLOAT16 -> Float16Codec.INSTANCE;
      case BFLOAT16 -> BFloat16Codec.INSTANCE;
      case INT8_ROW -> Int8RowCodec.INSTANCE;
      case TOPK -> new TopKCodec(topkFraction);
      default -> throw new IllegalArgumentException("no lossy codec " + codec);
    };
  }

  /** Elements a TOPK tensor of {@code n} elements carries at {@code fraction}: ceil(fraction · n), ≥ 1. */
  public static long topkCount(float fraction, long n) {
    return TopKCodec.k(fraction, n);
  }
}
