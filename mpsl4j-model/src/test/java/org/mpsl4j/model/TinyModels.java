package org.mpsl4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Small configurations whose costs can be worked out by hand, and random batches for them. */
public final class TinyModels {
  private TinyModels() {}

  /** image 1×8×8 patch 4 (5 tokens), sensor 3×8 patch 4 (3 tokens), text length 4 (4 tokens). */
  public static ModelConfig threeModalities(NormPlacement norm, Fusion fusion) {
    return ModelConfig.builder()
        .addTokenizer(TokenizerSpec.image("image", 1, 8, 8, 4))
        .addTokenizer(TokenizerSpec.sensor("watch", 3, 8, 4))
        .addTokenizer(TokenizerSpec.text("text", 4, 20))
        .setEncoder(new EncoderConfig(8, 2, 2, 16, norm, 0f, 1e-6f))
        .setHead(HeadConfig.classification(3))
        .optFusion(fusion)
        .build();
  }

  public static Map<String, NDArray> inputs(NDManager m, ModelConfig config, int batch, long seed) {
    Random rng = new Random(seed);
    Map<String, NDArray> out = new LinkedHashMap<>();
    for (TokenizerSpec t : config.tokenizers()) {
      int[] s = t.inputShape();
      long[] shape = new long[s.length + 1];
      shape[0] = batch;
      for (int i = 0; i < s.length; i++) {
        shape[i + 1] = s[i];
      }
      int n = Math.toIntExact(new Shape(shape).size());
      if (t.kind() == TokenizerKind.TEXT) {
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
          ids[i] = rng.nextInt(t.vocabSize());
        }
        out.put(t.input(), m.create(ids, new Shape(shape)));
      } else {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
          v[i] = (float) rng.nextGaussian();
        }
        out.put(t.input(), m.create(v, new Shape(shape)));
      }
    }
    return out;
  }

  /** A padding mask for each TEXT input: the last {@code padded} tokens of every row are padding. */
  public static Map<String, NDArray> masks(NDManager m, ModelConfig config, int batch, int padded) {
    Map<String, NDArray> out = new LinkedHashMap<>();
    for (TokenizerSpec t : config.tokenizers()) {
      if (t.kind() == TokenizerKind.TEXT) {
        int len = t.inputShape()[0];
        float[] v = new float[batch * len];
        for (int b = 0; b < batch; b++) {
          for (int i = 0; i < len - padded; i++) {
            v[b * len + i] = 1f;
          }
        }
        out.put(t.input(), m.create(v, new Shape(batch, len)));
      }
    }
    return out;
  }

  public static NDArray labels(NDManager m, int batch, int classes, long seed) {
    Random rng = new Random(seed);
    long[] y = new long[batch];
    for (int i = 0; i < batch; i++) {
      y[i] = rng.nextInt(classes);
    }
    return m.create(y).toType(DataType.INT64, false);
  }
}
