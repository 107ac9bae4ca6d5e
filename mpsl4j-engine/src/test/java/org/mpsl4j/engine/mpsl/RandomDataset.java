package org.mpsl4j.engine.mpsl;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mpsl4j.data.Batch;
import org.mpsl4j.data.InputBatch;
import org.mpsl4j.data.InputSpec;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.data.Modality;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.TokenizerSpec;

/** Seeded random images and token ids with labels: for protocol properties, never for accuracy figures. */
public final class RandomDataset implements LabeledDataset {
  static final InputSpec IMAGE = new InputSpec("image", Modality.IMAGE, new int[] {1, 8, 8});
  static final InputSpec TEXT = new InputSpec("text", Modality.TEXT, new int[] {5});
  private final float[] images;
  private final long[] ids;
  private final long[] mask;
  private final int[] labels;

  public RandomDataset(int n, int classes, long seed) {
    this(n, classes, seed, 30);
  }

  /** The small model the protocol tests train on this data: both inputs, width 16, one block, 3 classes. */
  public static ModelConfig model() {
    return ModelConfig.builder()
        .addTokenizer(TokenizerSpec.image("image", 1, 8, 8, 4))
        .addTokenizer(TokenizerSpec.text("text", 5, 30))
        .setEncoder(EncoderConfig.small(16, 1, 4))
        .setHead(HeadConfig.classification(3))
        .build();
  }

  /** With token ids drawn from [1, vocab) (0 pads). */
  public RandomDataset(int n, int classes, long seed, int vocab) {
    Random rng = new Random(seed);
    images = new float[n * 64];
    ids = new long[n * 5];
    mask = new long[n * 5];
    labels = new int[n];
    for (int i = 0; i < images.length; i++) {
      images[i] = (float) rng.nextGaussian();
    }
    for (int i = 0; i < n; i++) {
      int len = 2 + rng.nextInt(4);
      for (int t = 0; t < 5; t++) {
        ids[i * 5 + t] = t < len ? (vocab == 30 ? rng.nextInt(30) : 1 + rng.nextInt(vocab - 1)) : 0;
        mask[i * 5 + t] = t < len ? 1 : 0;
      }
      labels[i] = rng.nextInt(classes);
    }
  }

  @Override
  public String name() {
    return "random";
  }

  @Override
  public List<InputSpec> inputs() {
    return List.of(IMAGE, TEXT);
  }

  @Override
  public List<String> classNames() {
    return List.of("a", "b", "c");
  }

  @Override
  public int size() {
    return labels.length;
  }

  @Override
  public int label(int index) {
    return labels[index];
  }

  @Override
  public int group(int index) {
    return -1;
  }

  @Override
  public Batch batch(int[] idx) {
    float[] img = new float[idx.length * 64];
    long[] id = new long[idx.length * 5];
    long[] m = new long[idx.length * 5];
    int[] y = new int[idx.length];
    for (int k = 0; k < idx.length; k++) {
      System.arraycopy(images, idx[k] * 64, img, k * 64, 64);
      System.arraycopy(ids, idx[k] * 5, id, k * 5, 5);
      System.arraycopy(mask, idx[k] * 5, m, k * 5, 5);
      y[k] = labels[idx[k]];
    }
    Map<String, InputBatch> inputs = new LinkedHashMap<>();
    inputs.put("image", new InputBatch(IMAGE, idx.length, img, null, null));
    inputs.put("text", new InputBatch(TEXT, idx.length, null, id, m));
    return new Batch(inputs, y);
  }
}
