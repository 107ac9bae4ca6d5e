package org.mpsl4j.data.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mpsl4j.data.CorruptDataException;
import org.mpsl4j.data.Datasets;
import org.mpsl4j.data.TestData;

/** Malformed manifests: each problem is reported with its manifest line, and loading refuses to train on them. */
final class ManifestCheckTest {

  @Test
  void check_missingLabelColumn_namesTheHeaderRow(@TempDir Path dir) throws Exception {
    Path m = csv(dir, "audio,client", wav(dir, 1) + ",theo");

    assertThat(ManifestCheck.run(m, 1).problems()).contains("m.csv:1: no 'label' column; every row needs its class"
        + " in 'label'");
  }

  @Test
  void check_badPath_namesTheRowAndFile(@TempDir Path dir) throws Exception {
    Path m = csv(dir, "audio,label", wav(dir, 1) + ",1", "recordings/nope.wav,2", wav(dir, 3) + ",3");

    assertThat(ManifestCheck.run(m, 1).problems()).singleElement().asString()
        .startsWith("m.csv:3: audio: file 'recordings/nope.wav' not found");
  }

  @Test
  void check_unknownModality_namesTheRow(@TempDir Path dir) throws Exception {
    Path m = dir.resolve("m.jsonl");
    Files.write(m, List.of("{\"audio\": \"" + wav(dir, 1) + "\", \"label\": \"1\"}",
        "{\"video\": \"clip.mp4\", \"label\": \"2\"}"));

    assertThat(ManifestCheck.run(m, 1).problems()).singleElement().asString()
        .startsWith("m.jsonl:2: unknown field 'video'");
  }

  @Test
  void check_unknownColumnInCsvHeader_namesLineOne(@TempDir Path dir) throws Exception {
    Path m = csv(dir, "video,audio,label", "clip.mp4," + wav(dir, 1) + ",1");

    assertThat(ManifestCheck.run(m, 1).problems()).singleElement().asString()
        .startsWith("m.csv:1: unknown column 'video'");
  }

  @Test
  void check_emptyLabel_namesTheRow(@TempDir Path dir) throws Exception {
    Path m = csv(dir, "audio,label", wav(dir, 1) + ",1", wav(dir, 2) + ",2", wav(dir, 3) + ",  ");

    assertThat(ManifestCheck.run(m, 1).problems()).containsExactly("m.csv:4: label is empty");
  }

  @Test
  void check_missingModalityNotAllowed_namesTheRowAndTheSetting(@TempDir Path dir) throws Exception {
    Path m = csv(dir, "audio,text,label", wav(dir, 1) + ",one,1", wav(dir, 2) + ",,2");

    assertThat(ManifestCheck.run(m, 1).problems()).singleElement().asString()
        .startsWith("m.csv:3: no text value").contains("\"text\": {\"optional\": true}", "m.config.json");
  }

  @Test
  void check_missingModalityAllowedBySidecar_isFilledAndPasses(@TempDir Path dir) throws Exception {
    Path m = csv(dir, "audio,text,label,split", wav(dir, 1) + ",one,1,train", wav(dir, 2) + ",,2,test",
        wav(dir, 3) + ",three,3,train");
    Files.writeString(dir.resolve("m.config.json"), "{\"text\": {\"optional\": true}}");

    ManifestCheck.Result r = ManifestCheck.run(m, 1);

    assertThat(r.problems()).isEmpty();
    assertThat(r.samples()).extracting(ManifestCheck.Sample::text).containsExactly("one", "", "three");
  }

  @Test
  void check_unreadableAudio_namesTheRowAndTheProblem(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("fake.wav"), "not a sound");
    Path m = csv(dir, "audio,label", wav(dir, 1) + ",1", "fake.wav,2");

    assertThat(ManifestCheck.run(m, 1).problems()).singleElement().asString()
        .startsWith("m.csv:3: audio: ").contains("fake.wav", "not an audio file");
  }

  @Test
  void check_wrongFieldCount_namesTheRow(@TempDir Path dir) throws Exception {
    Path m = csv(dir, "audio,label", wav(dir, 1) + ",1", wav(dir, 2) + ",2,extra");

    assertThat(ManifestCheck.run(m, 1).problems()).containsExactly("m.csv:3: 3 fields but the header names 2");
  }

  @Test
  void check_clientInSomeRowsOnly_namesTheRowWithout(@TempDir Path dir) throws Exception {
    Path m = csv(dir, "audio,label,client", wav(dir, 1) + ",1,a", wav(dir, 2) + ",2,");

    assertThat(ManifestCheck.run(m, 1).problems()).singleElement().asString()
        .startsWith("m.csv:3: client is empty");
  }

  @Test
  void check_badSidecarField_rejectedNamingTheSidecar(@TempDir Path dir) throws Exception {
    Path m = csv(dir, "audio,label", wav(dir, 1) + ",1");
    Files.writeString(dir.resolve("m.config.json"), "{\"audio\": {\"melbins\": 64}}");

    assertThatThrownBy(() -> ManifestCheck.run(m, 1)).isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("m.config.json").hasMessageContaining("melbins");
  }

  @Test
  void check_patchNotDividing_rejectedWithTheFix(@TempDir Path dir) throws Exception {
    Path m = csv(dir, "audio,label", wav(dir, 1) + ",1");
    Files.writeString(dir.resolve("m.config.json"), "{\"audio\": {\"patch\": 7}}");

    assertThatThrownBy(() -> ManifestCheck.run(m, 1)).isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("audio.patch 7 does not divide audio.melBins 40");
  }

  @Test
  void load_malformedManifest_failsListingEveryRow(@TempDir Path dir) throws Exception {
    Path m = csv(dir, "audio,label", "a.wav,1", wav(dir, 2) + ",", "c.wav,3");

    assertThatThrownBy(() -> Datasets.load("manifest:" + m, dir, TestData.options().build()))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("3 problem(s)")
        .hasMessageContaining("m.csv:2: audio: file 'a.wav' not found")
        .hasMessageContaining("m.csv:3: label is empty")
        .hasMessageContaining("m.csv:4: audio: file 'c.wav' not found");
  }

  private static Path csv(Path dir, String header, String... rows) throws Exception {
    Path m = dir.resolve("m.csv");
    List<String> lines = new java.util.ArrayList<>(List.of(header));
    lines.addAll(List.of(rows));
    Files.write(m, lines);
    return m;
  }

  /** A real recording of this digit, relative to the manifest's folder. */
  private static String wav(Path dir, int digit) {
    return FsddManifest.relative(dir, FsddManifest.recording(digit, "theo", 0));
  }
}
