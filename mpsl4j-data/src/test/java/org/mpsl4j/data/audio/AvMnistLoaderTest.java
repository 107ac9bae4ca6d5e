package org.mpsl4j.data.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mpsl4j.data.ArrayDataset;
import org.mpsl4j.data.Batch;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.DataUnavailableException;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.Datasets;
import org.mpsl4j.data.InputBatch;
import org.mpsl4j.data.Modality;
import org.mpsl4j.data.TestData;

/** AV-MNIST from real MNIST and the real FSDD recordings in shared/datasets/fsdd. */
final class AvMnistLoaderTest {

  private static DataOptions options;
  private static DatasetSplit split;

  @BeforeAll
  static void load() {
    options = TestData.options().optMnistDir(TestData.mnistDir()).optFsddDir(TestData.shared("fsdd"))
        .optMaxSamplesPerSplit(600).build();
    split = Datasets.load("av-mnist", TestData.dataDir(), options);
  }

  @Test
  void load_imageAndAudioInputs_withDocumentedShapes() {
    assertThat(split.train().inputs()).extracting(s -> s.name()).containsExactly("image", "audio");
    assertThat(split.train().inputs().get(1).modality()).isEqualTo(Modality.AUDIO);
    assertThat(split.train().inputs().get(1).sampleShape()).containsExactly(1, 40, 100);
    Batch b = split.train().batch(new int[] {0, 1, 2});
    assertThat(b.input("audio").shape()).containsExactly(3, 1, 40, 100);
    assertThat(b.input("image").shape()).containsExactly(3, 1, 28, 28);
    assertThat(split.train().size()).isEqualTo(600);
    assertThat(split.test().size()).isEqualTo(600);
    assertThat(split.train().classNames()).hasSize(10);
  }

  @Test
  void load_groupsAreTheSixSpeakers() {
    ArrayDataset train = (ArrayDataset) split.train();
    assertThat(train.groupNames()).containsExactly("george", "jackson", "lucas", "nicolas", "theo", "yweweler");
    assertThat(Arrays.stream(train.groups()).distinct().count()).isEqualTo(6);
  }

  @Test
  void pairing_audioDigitMatchesImageLabel() {
    // Every sample's recording must be of the sample's digit: the rows of a class share spectrograms only with
    // rows of the same class. Check that no spectrogram appears under two labels.
    ArrayDataset train = (ArrayDataset) split.train();
    Batch all = train.batch(IntStream.range(0, train.size()).toArray());
    InputBatch audio = all.input("audio");
    int row = 40 * 100;
    Map<Integer, Integer> labelOfSpectrogram = new HashMap<>();
    for (int i = 0; i < train.size(); i++) {
      int h = Arrays.hashCode(Arrays.copyOfRange(audio.floats(), i * row, (i + 1) * row));
      Integer previous = labelOfSpectrogram.putIfAbsent(h, all.labels()[i]);
      assertThat(previous == null || previous == all.labels()[i]).as("sample %d", i).isTrue();
    }
    // 600 images over 2,700 training recordings: mostly distinct recordings.
    assertThat(labelOfSpectrogram.size()).isGreaterThan(500);
  }

  @Test
  void split_testUsesOnlyTestRecordings_trainOnlyTrainRecordings() {
    float[] trainAudio = split.train().batch(IntStream.range(0, 600).toArray()).input("audio").floats();
    float[] testAudio = split.test().batch(IntStream.range(0, 600).toArray()).input("audio").floats();
    int row = 40 * 100;
    java.util.Set<Integer> trainRows = new java.util.HashSet<>();
    for (int i = 0; i < 600; i++) {
      trainRows.add(Arrays.hashCode(Arrays.copyOfRange(trainAudio, i * row, (i + 1) * row)));
    }
    for (int i = 0; i < 600; i++) {
      assertThat(trainRows).doesNotContain(Arrays.hashCode(Arrays.copyOfRange(testAudio, i * row, (i + 1) * row)));
    }
    // 600 test images can only use the 300 official test recordings.
    java.util.Set<Integer> testRows = new java.util.HashSet<>();
    for (int i = 0; i < 600; i++) {
      testRows.add(Arrays.hashCode(Arrays.copyOfRange(testAudio, i * row, (i + 1) * row)));
    }
    assertThat(testRows.size()).isLessThanOrEqualTo(300);
  }

  @Test
  void audio_standardizedWithTrainStatistics() {
    float[] x = split.train().batch(IntStream.range(0, 600).toArray()).input("audio").floats();
    double mean = 0;
    for (float v : x) {
      mean += v;
    }
    mean /= x.length;
    // Train statistics are over all 2,700 training recordings; 600 samples drawn from them are close to 0 mean.
    assertThat(mean).isBetween(-0.2, 0.2);
  }

  @Test
  void load_sameSeed_samePairing() {
    DatasetSplit again = Datasets.load("av-mnist", TestData.dataDir(), options);
    int[] idx = {0, 17, 599};
    assertThat(again.train().batch(idx).input("audio").floats())
        .containsExactly(split.train().batch(idx).input("audio").floats());
    assertThat(again.train().groups()).containsExactly(split.train().groups());
  }

  @Test
  void load_otherSeed_otherPairing() {
    DatasetSplit other = Datasets.load("av-mnist", TestData.dataDir(), options.toBuilder().optSeed(99).build());
    assertThat(other.train().groups()).isNotEqualTo(split.train().groups());
  }

  @Test
  void load_missingFsdd_failsNamingSourceAndHowToGetIt(@TempDir Path empty) {
    DataOptions noFsdd = options.toBuilder().optFsddDir(empty).build();
    assertThatThrownBy(() -> Datasets.load("av-mnist", TestData.dataDir(), noFsdd))
        .isInstanceOf(DataUnavailableException.class)
        .hasMessageContaining("fsdd")
        .hasMessageContaining("github.com/Jakobovski/free-spoken-digit-dataset")
        .hasMessageContaining("--fsdd-dir");
  }
}
