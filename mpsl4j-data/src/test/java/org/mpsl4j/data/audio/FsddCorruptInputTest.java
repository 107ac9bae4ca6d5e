package org.mpsl4j.data.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mpsl4j.data.CorruptDataException;
import org.mpsl4j.data.TestData;

/** Corrupt and misnamed recordings are reported with their file name, skipped and counted. */
final class FsddCorruptInputTest {

  private static final Path REAL = TestData.shared("fsdd").resolve("recordings");

  @Test
  void readMono16_truncatedWav_rejectedNamingFile(@TempDir Path dir) throws Exception {
    byte[] whole = Files.readAllBytes(REAL.resolve("0_george_0.wav"));
    Path truncated = dir.resolve("0_george_0.wav");
    Files.write(truncated, java.util.Arrays.copyOf(whole, whole.length / 2));

    assertThatThrownBy(() -> WavFile.readMono16(truncated, 8000))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining(truncated.toString())
        .hasMessageContaining("truncated");
  }

  @Test
  void readMono16_notAWav_rejectedNamingFile(@TempDir Path dir) throws Exception {
    Path junk = dir.resolve("1_theo_0.wav");
    Files.writeString(junk, "RIFF but not really");

    assertThatThrownBy(() -> WavFile.readMono16(junk, 8000))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("1_theo_0.wav")
        .hasMessageContaining("not a readable WAV");
  }

  @Test
  void readMono16_realRecording_lengthMatchesHeader() {
    float[] samples = WavFile.readMono16(REAL.resolve("0_george_0.wav"), 8000);
    assertThat(samples).hasSize((4812 - 44) / 2);
  }

  @Test
  void features_skipsAndCountsCorruptRecordings(@TempDir Path dir) throws Exception {
    Path rec = Files.createDirectories(dir.resolve("recordings"));
    Files.copy(REAL.resolve("3_lucas_7.wav"), rec.resolve("3_lucas_7.wav"));
    Files.copy(REAL.resolve("4_theo_1.wav"), rec.resolve("4_theo_1.wav"));
    byte[] whole = Files.readAllBytes(REAL.resolve("5_nicolas_9.wav"));
    Files.write(rec.resolve("5_nicolas_9.wav"), java.util.Arrays.copyOf(whole, 100));
    Files.copy(REAL.resolve("6_jackson_8.wav"), rec.resolve("six-jackson.wav"));

    FsddRecordings.Listing listing = FsddRecordings.list(dir);
    LogMel logMel = new LogMel(40, 100);
    FsddRecordings.Features features = FsddRecordings.features(listing.recordings(), logMel, 4000);

    assertThat(listing.skipped()).singleElement().asString().contains("six-jackson.wav");
    assertThat(features.recordings()).extracting(r -> r.file().getFileName().toString())
        .containsExactly("3_lucas_7.wav", "4_theo_1.wav");
    assertThat(features.skipped()).singleElement().asString().contains("5_nicolas_9.wav");
    assertThat(features.features()).hasSize(2 * 4000);
  }

  @Test
  void list_parsesDigitSpeakerTake_officialSplit() {
    FsddRecordings.Listing listing = FsddRecordings.list(TestData.shared("fsdd"));
    List<FsddRecordings.Recording> all = listing.recordings();

    assertThat(all).hasSize(3000);
    assertThat(all.stream().filter(FsddRecordings.Recording::isTest).count()).isEqualTo(300);
    assertThat(listing.speakers()).hasSize(6);
    assertThat(listing.skipped()).isEmpty();
  }
}
