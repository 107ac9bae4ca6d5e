package org.mpsl4j.data.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mpsl4j.data.ArrayDataset;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.Datasets;
import org.mpsl4j.data.InputSpec;
import org.mpsl4j.data.Modality;
import org.mpsl4j.data.TestData;
import org.mpsl4j.data.audio.LogMel;
import org.mpsl4j.data.audio.WavFile;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.data.partition.Partitioner;

/** A manifest over real FSDD recordings loads into the tensors the existing readers make, split and grouped. */
final class ManifestSourceTest {

  private static final List<String> SPEAKERS = List.of("george", "jackson", "lucas");

  @Test
  void load_fsddManifest_audioAndTextInputsWithDigitClasses(@TempDir Path dir) throws Exception {
    Path manifest = FsddManifest.write(dir, "voice.csv", SPEAKERS, 2);

    DatasetSplit split = Datasets.load("manifest:" + manifest, dir, TestData.options().build());

    assertThat(split.train().inputs()).containsExactly(
        new InputSpec("audio", Modality.AUDIO, new int[] {1, 40, 100}),
        new InputSpec("text", Modality.TEXT, new int[] {32}));
    assertThat(split.train().classNames()).containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    assertThat(split.train().size() + split.test().size()).isEqualTo(3 * 10 * 2);
    // 20 rows per speaker, 20% of each speaker's rows held out.
    assertThat(split.test().size()).isEqualTo(3 * 4);
  }

  @Test
  void load_fsddManifest_audioEqualsLogMelOfTheWav(@TempDir Path dir) throws Exception {
    Path manifest = dir.resolve("one.csv");
    Files.write(manifest, List.of("audio,text,label,split",
        FsddManifest.relative(dir, FsddManifest.recording(7, "theo", 3)) + ",seven,7,train",
        FsddManifest.relative(dir, FsddManifest.recording(2, "theo", 3)) + ",two,2,test"));

    DatasetSplit split = Datasets.load("manifest:" + manifest, dir, TestData.options().build());

    LogMel logMel = new LogMel(40, 100);
    float[] seven = logMel.apply(WavFile.readMono16(FsddManifest.recording(7, "theo", 3), 8000));
    float[] two = logMel.apply(WavFile.readMono16(FsddManifest.recording(2, "theo", 3), 8000));
    assertThat(split.train().batch(new int[] {0}).input("audio").floats()).containsExactly(seven);
    assertThat(split.test().batch(new int[] {0}).input("audio").floats()).containsExactly(two);
    assertThat(split.train().labels()).containsExactly(1); // classes [2, 7]
    assertThat(split.test().label(0)).isZero();
  }

  @Test
  void load_rowsNamingClients_groupsGiveOneClientPerSpeaker(@TempDir Path dir) throws Exception {
    Path manifest = FsddManifest.write(dir, "voice.csv", SPEAKERS, 2);

    DatasetSplit split = Datasets.load("manifest:" + manifest, dir, TestData.options().build());
    Partition p = Partitioner.natural(split.train().groups());

    assertThat(((ArrayDataset) split.train()).groupNames()).containsExactlyElementsOf(SPEAKERS);
    assertThat(p.numClients()).isEqualTo(3);
    for (int c = 0; c < 3; c++) {
      int client = c;
      assertThat(Arrays.stream(p.client(c)).map(split.train()::group)).allMatch(g -> g == client);
      assertThat(p.clientSize(c)).isEqualTo(16);
    }
  }

  @Test
  void load_sameSeed_sameSplit(@TempDir Path dir) throws Exception {
    Path manifest = FsddManifest.write(dir, "voice.csv", SPEAKERS, 2);

    DatasetSplit a = Datasets.load("manifest:" + manifest, dir, TestData.options().optSeed(5).build());
    DatasetSplit b = Datasets.load("manifest:" + manifest, dir, TestData.options().optSeed(5).build());
    DatasetSplit c = Datasets.load("manifest:" + manifest, dir, TestData.options().optSeed(6).build());

    assertThat(a.test().labels()).containsExactly(b.test().labels());
    assertThat(a.test().batch(new int[] {0, 1, 2}).input("audio").floats())
        .containsExactly(b.test().batch(new int[] {0, 1, 2}).input("audio").floats());
    assertThat(c.test().batch(range(c.test().size())).input("audio").floats())
        .isNotEqualTo(a.test().batch(range(a.test().size())).input("audio").floats());
  }

  @Test
  void load_withCache_secondLoadReadsTheSameTensors(@TempDir Path dir) throws Exception {
    Path manifest = FsddManifest.write(dir, "voice.csv", List.of("theo"), 1);
    TestData.Capture log = TestData.capture();

    DatasetSplit built = Datasets.load("manifest:" + manifest, dir, TestData.options().optUseCache(true)
        .optLog(log.stream()).build());
    DatasetSplit cached = Datasets.load("manifest:" + manifest, dir, TestData.options().optUseCache(true)
        .optLog(log.stream()).build());

    assertThat(log.text()).contains("loaded preprocessed tensors from cache");
    int[] all = range(built.train().size());
    assertThat(cached.train().batch(all).input("text").ids()).containsExactly(built.train().batch(all).input("text")
        .ids());
  }

  private static int[] range(int n) {
    int[] out = new int[n];
    Arrays.setAll(out, i -> i);
    return out;
  }
}
