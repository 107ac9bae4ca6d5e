package org.mpsl4j.data.sensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mpsl4j.data.ArrayDataset;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.DataUnavailableException;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.Datasets;
import org.mpsl4j.data.Modality;
import org.mpsl4j.data.TestData;

/** sp-sw-har from the real recordings in shared/datasets/sp-sw-har (all 223 executions; about a second). */
final class SpSwHarLoaderTest {

  private static DataOptions options;
  private static DatasetSplit split;

  @BeforeAll
  static void load() {
    options = TestData.options().optSpSwHarDir(TestData.shared("sp-sw-har")).build();
    split = Datasets.load("sp-sw-har", TestData.dataDir(), options);
  }

  @Test
  void load_phoneAndWatchWindows_withDocumentedShapesAndClasses() {
    assertThat(split.train().inputs()).extracting(s -> s.name()).containsExactly("phone", "watch");
    assertThat(split.train().inputs()).allSatisfy(s -> {
      assertThat(s.modality()).isEqualTo(Modality.SENSOR);
      assertThat(s.sampleShape()).containsExactly(6, 50);
    });
    assertThat(split.train().classNames())
        .containsExactly("SEATED", "STANDING_UP", "WALKING", "TURNING", "SITTING_DOWN");
    assertThat(Arrays.stream(split.train().classCounts()).min().getAsInt()).isPositive();
    assertThat(Arrays.stream(split.test().classCounts()).min().getAsInt()).isPositive();
    // About 11 s per execution at 2 windows per second: roughly 4,700 windows over 223 executions.
    assertThat(split.train().size() + split.test().size()).isBetween(4000, 5500);
  }

  @Test
  void split_bySubject_noSubjectInBoth() {
    Set<Integer> train = Arrays.stream(split.train().groups()).boxed().collect(Collectors.toSet());
    Set<Integer> test = Arrays.stream(split.test().groups()).boxed().collect(Collectors.toSet());

    assertThat(train).doesNotContainAnyElementsOf(test);
    assertThat(test).hasSize(SpSwHarSource.TEST_SUBJECTS);
    assertThat(train).hasSize(23 - SpSwHarSource.TEST_SUBJECTS);
    assertThat(((ArrayDataset) split.train()).groupNames()).hasSize(23).startsWith("s01");
  }

  @Test
  void standardize_trainChannelsHaveZeroMeanUnitStd() {
    int n = split.train().size();
    float[] phone = split.train().batch(IntStream.range(0, n).toArray()).input("phone").floats();
    for (int c = 0; c < 6; c++) {
      double sum = 0;
      double sq = 0;
      for (int w = 0; w < n; w++) {
        for (int i = 0; i < 50; i++) {
          double v = phone[(w * 6 + c) * 50 + i];
          sum += v;
          sq += v * v;
        }
      }
      double mean = sum / (n * 50.0);
      assertThat(mean).as("channel %d mean", c).isCloseTo(0, org.assertj.core.data.Offset.offset(1e-3));
      assertThat(Math.sqrt(sq / (n * 50.0) - mean * mean)).as("channel %d std", c)
          .isCloseTo(1, org.assertj.core.data.Offset.offset(1e-3));
    }
  }

  @Test
  void load_sameSeed_sameWindows_otherSeed_otherTestSubjects() {
    DatasetSplit again = Datasets.load("sp-sw-har", TestData.dataDir(), options);
    DatasetSplit other = Datasets.load("sp-sw-har", TestData.dataDir(), options.toBuilder().optSeed(5).build());

    assertThat(again.test().labels()).containsExactly(split.test().labels());
    assertThat(again.test().batch(new int[] {3}).input("watch").floats())
        .containsExactly(split.test().batch(new int[] {3}).input("watch").floats());
    assertThat(Arrays.stream(other.test().groups()).distinct().sorted().toArray())
        .isNotEqualTo(Arrays.stream(split.test().groups()).distinct().sorted().toArray());
  }

  @Test
  void load_noOverlap_halfAsManyWindows() {
    DatasetSplit noOverlap = Datasets.load("sp-sw-har", TestData.dataDir(),
        options.toBuilder().optSensorOverlap(0).build());
    int overlapping = split.train().size();
    assertThat(noOverlap.train().size()).isBetween(overlapping / 2 - 223, overlapping / 2 + 223);
  }

  @Test
  void load_missingFolder_failsNamingSourceAndHowToGetIt(@TempDir Path empty) {
    assertThatThrownBy(() -> Datasets.load("sp-sw-har", empty, options.toBuilder().optSpSwHarDir(empty).build()))
        .isInstanceOf(DataUnavailableException.class)
        .hasMessageContaining("sp-sw-har")
        .hasMessageContaining("github.com/GeoTecINIT/sp-sw-har-dataset")
        .hasMessageContaining("--sp-sw-har-dir");
  }
}
