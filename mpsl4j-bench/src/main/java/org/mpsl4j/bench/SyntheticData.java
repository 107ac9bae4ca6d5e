package org.mpsl4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.mpsl4j.data.ArrayDataset;
import org.mpsl4j.data.Column;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.InputSpec;
import org.mpsl4j.data.Modality;

/**
 * An MNIST-shaped dataset made in memory from a seed: 1×28×28 images stored as unsigned bytes with
 * MNIST's normalization, 10 classes, random labels. The benchmarks measure speed and memory, which
 * depend only on shapes, so they need no download; every benchmark run sees the same bytes.
 */
public final class SyntheticData {
  private SyntheticData() {}

  /** {@code train} and {@code test} samples of 1×28×28 images in 10 classes. */
  public static DatasetSplit mnistShaped(int train, int test, long seed) {
    Random rng = new Random(seed);
    return new DatasetSplit(split("synthetic-mnist/train", train, rng), split("synthetic-mnist/test", test, rng));
  }

  private static ArrayDataset split(String name, int n, Random rng) {
    InputSpec spec = new InputSpec("image", Modality.IMAGE, new int[] {1, 28, 28});
    byte[] pixels = new byte[n * spec.sampleSize()];
    rng.nextBytes(pixels);
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = rng.nextInt(10);
    }
    List<String> classes = new ArrayList<>();
    for (int c = 0; c < 10; c++) {
      classes.add(String.valueOf(c));
    }
    return new ArrayDataset(name, classes, List.of(new Column.Bytes(spec, pixels, 0.1307f, 0.3081f)), labels, null,
        List.of());
  }
}
