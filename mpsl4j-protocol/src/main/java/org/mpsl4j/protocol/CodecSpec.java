package org.mpsl4j.protocol;

import java.util.Locale;
import org.mpsl4j.protocol.codec.Codecs;
import org.mpsl4j.protocol.codec.WireCodec;
import org.mpsl4j.protocol.v1.Codec;
import org.mpsl4j.protocol.v1.CodecChoice;

/**
 * A codec for one direction of the cut layer and its parameter, as the command line names it ({@code raw},
 * {@code fp16}, {@code bf16}, {@code int8}, {@code topk:0.1}) and as Hello / Welcome carry it
 * ({@link CodecChoice}).
 *
 * @param codec the wire codec
 * @param topkFraction TOPK's share of elements sent, in (0, 0.5]; 0 for every other codec
 */
public record CodecSpec(Codec codec, float topkFraction) {
  /** Exact little-endian float32: the default. */
  public static final CodecSpec RAW = new CodecSpec(Codec.RAW, 0f);

  public CodecSpec {
    switch (codec) {
      case RAW, FLOAT16, BFLOAT16, INT8_ROW -> {
        if (topkFraction != 0f) {
          throw new IllegalArgumentException("codec " + codec + " takes no top-k fraction (got " + topkFraction + ")");
        }
      }
      case TOPK -> {
        if (!(topkFraction > 0 && topkFraction <= Codecs.MAX_TOPK_FRACTION)) {
          throw new IllegalArgumentException("top-k fraction " + topkFraction + " is outside (0, "
              + Codecs.MAX_TOPK_FRACTION + "]: above " + Codecs.MAX_TOPK_FRACTION + " top-k is larger than raw");
        }
      }
      default -> throw new IllegalArgumentException("unknown codec " + codec + " (raw, fp16, bf16, int8, topk:F)");
    }
  }

  /** Parses {@code raw}, {@code fp16}, {@code bf16}, {@code int8} or {@code topk:F} (case-insensitive). */
  public static CodecSpec parse(String text) {
    String s = text.trim().toLowerCase(Locale.ROOT);
    return switch (s) {
      case "raw", "fp32", "float32" -> RAW;
      case "fp16", "float16" -> new CodecSpec(Codec.FLOAT16, 0f);
      case "bf16", "bfloat16" -> new CodecSpec(Codec.BFLOAT16, 0f);
      case "int8" -> new CodecSpec(Codec.INT8_ROW, 0f);
      default -> {
        if (!s.startsWith("topk:")) {
          throw new IllegalArgumentException("unknown codec '" + text + "'; choose raw, fp16, bf16, int8 or topk:F "
              + "with F in (0, " + Codecs.MAX_TOPK_FRACTION + "], e.g. topk:0.1");
        }
        float f;
        try {
          f = Float.parseFloat(s.substring(5));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("codec '" + text + "': '" + s.substring(5) + "' is not a fraction");
        }
        yield new CodecSpec(Codec.TOPK, f);
      }
    };
  }

  /** The negotiated choice of a Hello or Welcome; an unset field means RAW (clients that predate codecs). */
  public static CodecSpec fromProto(CodecChoice c) {
    if (c.getCodec() == Codec.CODEC_UNSPECIFIED) {
      return RAW;
    }
    if (c.getCodec() == Codec.UNRECOGNIZED) {
      throw new IllegalArgumentException("unknown codec number " + c.getCodecValue());
    }
    return new CodecSpec(c.getCodec(), c.getTopkFraction());
  }

  public CodecChoice toProto() {
    return CodecChoice.newBuilder().setCodec(codec).setTopkFraction(topkFraction).build();
  }

  /** True unless RAW. */
  public boolean lossy() {
    return codec != Codec.RAW;
  }

  /** The implementation (not for RAW, which {@link TensorCodec} handles itself). */
  public WireCodec wire() {
    return Codecs.of(codec, topkFraction);
  }

  /** The command-line name, e.g. {@code int8} or {@code topk:0.1}. */
  @Override
  public String toString() {
    return switch (codec) {
      case RAW -> "raw";
      case FLOAT16 -> "fp16";
      case BFLOAT16 -> "bf16";
      case INT8_ROW -> "int8";
      default -> "topk:" + topkFraction;
    };
  }
}
