package org.mpsl4j.data.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mpsl4j.data.ArrayDataset;
import org.mpsl4j.data.Column;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.Datasets;
import org.mpsl4j.data.InputSpec;
import org.mpsl4j.data.Modality;
import org.mpsl4j.data.TestData;

/** The tensor cache: hit on the second load, miss when a setting or a source file changes, heal when corrupt. */
final class SplitCacheTest {

  private static DataOptions.Builder cached(Path mnistCopy, TestData.Capture log) {
    return DataOptions.builder().optMnistDir(mnistCopy).optMaxSamplesPerSplit(64).optLog(log.stream());
  }

  private static Path copyOfMnist(Path dir) throws Exception {
    Path copy = Files.createDirectories(dir.resolve("mnist-copy"));
    try (Stream<Path> files = Files.list(TestData.mnistDir())) {
      for (Path f : files.toList()) {
        Files.copy(f, copy.resolve(f.getFileName()));
      }
    }
    return copy;
  }

  private static List<Path> cacheFiles(Path dataDir) throws Exception {
    try (Stream<Path> s = Files.list(dataDir.resolve("cache"))) {
      return s.filter(p -> p.toString().endsWith(".bin")).toList();
    }
  }

  @Test
  void load_secondTime_readsCacheWithSameTensors(@TempDir Path dataDir) throws Exception {
    Path mnist = copyOfMnist(dataDir);
    TestData.Capture log = TestData.capture();
    DatasetSplit first = Datasets.load("mnist", dataDir, cached(mnist, log).build());
    DatasetSplit second = Datasets.load("mnist", dataDir, cached(mnist, log).build());

    assertThat(log.text()).contains("cached preprocessed tensors in")
        .contains("loaded preprocessed tensors from cache");
    int[] all = IntStream.range(0, 64).toArray();
    assertThat(second.train().batch(all).input("image").floats())
        .containsExactly(first.train().batch(all).input("image").floats());
    assertThat(second.test().labels()).containsExactly(first.test().labels());
    assertThat(second.train().name()).isEqualTo("mnist/train");
  }

  @Test
  void load_settingChanged_buildsNewEntry(@TempDir Path dataDir) throws Exception {
    Path mnist = copyOfMnist(dataDir);
    TestData.Capture log = TestData.capture();
    Datasets.load("mnist", dataDir, cached(mnist, log).build());
    DatasetSplit resized = Datasets.load("mnist", dataDir, cached(mnist, log).optImageSize(14).build());

    assertThat(resized.train().inputs().get(0).sampleShape()).containsExactly(1, 14, 14);
    assertThat(cacheFiles(dataDir)).hasSize(2);
    assertThat(log.text()).doesNotContain("loaded preprocessed tensors from cache");
  }

  @Test
  void load_sourceFileReplaced_rebuilds(@TempDir Path dataDir) throws Exception {
    Path mnist = copyOfMnist(dataDir);
    TestData.Capture log = TestData.capture();
    Datasets.load("mnist", dataDir, cached(mnist, log).build());
    Path labels = mnist.resolve("t10k-labels-idx1-ubyte");
    Files.setLastModifiedTime(labels, FileTime.fromMillis(Files.getLastModifiedTime(labels).toMillis() + 60_000));
    Datasets.load("mnist", dataDir, cached(mnist, log).build());

    assertThat(log.text()).doesNotContain("loaded preprocessed tensors from cache");
    assertThat(cacheFiles(dataDir)).hasSize(2);
  }

  @Test
  void read_corruptCacheFile_reportedDeletedAndRebuilt(@TempDir Path dataDir) throws Exception {
    Path mnist = copyOfMnist(dataDir);
    TestData.Capture log = TestData.capture();
    Datasets.load("mnist", dataDir, cached(mnist, log).build());
    Path file = cacheFiles(dataDir).get(0);
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 3));

    DatasetSplit rebuilt = Datasets.load("mnist", dataDir, cached(mnist, log).build());

    assertThat(log.text()).contains("is unreadable").contains("deleting and rebuilding");
    assertThat(rebuilt.train().size()).isEqualTo(64);
    assertThat(Files.size(file)).isEqualTo(bytes.length);
  }

  @Test
  void writeRead_everyColumnKind_roundTrips(@TempDir Path dir) {
    InputSpec f = new InputSpec("f", Modality.SENSOR, new int[] {2});
    InputSpec b = new InputSpec("b", Modality.IMAGE, new int[] {1, 1, 2});
    InputSpec t = new InputSpec("t", Modality.TEXT, new int[] {3});
    InputSpec x = new InputSpec("x", Modality.AUDIO, new int[] {1, 1, 1});
    List<Column> columns = List.of(
        new Column.Floats(f, new float[] {1, 2, 3, 4}),
        new Column.Bytes(b, new byte[] {0, (byte) 255, 10, 20}, 0.5f, 0.25f),
        new Column.Tokens(t, new long[] {101, 7, 102, 101, 102, 0}, new long[] {1, 1, 1, 1, 1, 0}),
        new Column.Indexed(new Column.Floats(x, new float[] {9, 8, 7}), new int[] {2, 0}));
    ArrayDataset d = new ArrayDataset("toy/train", List.of("a", "b"), columns, new int[] {1, 0}, new int[] {0, 1},
        List.of("g0", "g1"));
    SplitCache cache = new SplitCache(dir);
    Path file = cache.fileFor("toy", "k");
    cache.write(file, new DatasetSplit(d, d));

    DatasetSplit back = cache.read(file, TestData.quiet()).orElseThrow();

    var batch = back.train().batch(new int[] {1, 0});
    assertThat(batch.input("f").floats()).containsExactly(3, 4, 1, 2);
    assertThat(batch.input("b").floats()).containsExactly((10 / 255f - 0.5f) / 0.25f, (20 / 255f - 0.5f) / 0.25f,
        -2f, (1 - 0.5f) / 0.25f);
    assertThat(batch.input("t").ids()).containsExactly(101, 102, 0, 101, 7, 102);
    assertThat(batch.input("t").attentionMask()).containsExactly(1, 1, 0, 1, 1, 1);
    assertThat(batch.input("x").floats()).containsExactly(9, 7);
    assertThat(back.train().groups()).containsExactly(0, 1);
    assertThat(((ArrayDataset) back.train()).groupNames()).containsExactly("g0", "g1");
  }
}
