package org.mpsl4j.data.image;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.Datasets;
import org.mpsl4j.data.TestData;

/** Fashion-MNIST fetched from the real Debian package by the project's own fetcher. */
final class FashionMnistLoaderTest {

  @Test
  void load_debianPackage_officialSplitBalancedTenClasses() {
    Datasets.prepare("fashion-mnist", TestData.dataDir(), TestData.quiet());
    DatasetSplit split = Datasets.load("fashion-mnist", TestData.dataDir(), TestData.options().build());

    assertThat(split.train().size()).isEqualTo(60_000);
    assertThat(split.test().size()).isEqualTo(10_000);
    assertThat(split.train().classCounts()).containsOnly(6000);
    assertThat(split.test().classCounts()).containsOnly(1000);
    assertThat(split.train().classNames()).startsWith("T-shirt/top", "Trouser").endsWith("Ankle boot");
    assertThat(split.train().inputs().get(0).sampleShape()).containsExactly(1, 28, 28);
  }

  @Test
  void load_sameSeedSubset_reproducible() {
    Datasets.prepare("fashion-mnist", TestData.dataDir(), TestData.quiet());
    var options = TestData.options().optMaxSamplesPerSplit(100).build();
    DatasetSplit a = Datasets.load("fashion-mnist", TestData.dataDir(), options);
    DatasetSplit b = Datasets.load("fashion-mnist", TestData.dataDir(), options);

    assertThat(a.test().labels()).containsExactly(b.test().labels());
    assertThat(a.test().batch(new int[] {5}).input("image").floats())
        .containsExactly(b.test().batch(new int[] {5}).input("image").floats());
  }
}
