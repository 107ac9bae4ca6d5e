package org.mpsl4j.data.sensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mpsl4j.data.CorruptDataException;
import org.mpsl4j.data.Datasets;
import org.mpsl4j.data.TestData;

/** CSV parsing with per-row error reports, resampling, and majority-labeled aligned windows. */
final class SensorCsvTest {

  private static final List<String> CLASSES = SpSwHarSource.CLASSES;

  /** Rows at the given ms timestamps; channel c of row i is {@code i + c / 10}. */
  private static Path csv(Path dir, String name, long[] times, String[] labels) throws Exception {
    StringBuilder sb = new StringBuilder(SensorCsv.HEADER).append('\n');
    for (int i = 0; i < times.length; i++) {
      for (int c = 0; c < 6; c++) {
        sb.append(i + c / 10.0).append(',');
      }
      sb.append(times[i]).append(',').append(labels[i]).append('\n');
    }
    return Files.writeString(dir.resolve(name), sb.toString());
  }

  @Test
  void read_malformedRows_skippedWithFileAndLine(@TempDir Path dir) throws Exception {
    Path f = Files.writeString(dir.resolve("s01_01_sp.csv"), SensorCsv.HEADER + "\n"
        + "1,2,3,4,5,6,1000,SEATED\n"
        + "1,2,3,4,5,1000,SEATED\n"
        + "1,2,x,4,5,6,1010,SEATED\n"
        + "1,2,3,4,5,6,1020,DANCING\n"
        + "1,2,3,4,5,6,990,SEATED\n"
        + "1,2,3,4,5,6,1030,WALKING\n");

    SensorCsv s = SensorCsv.read(f, CLASSES);

    assertThat(s.time()).containsExactly(1000, 1030);
    assertThat(s.labels()).containsExactly(0, 2);
    assertThat(s.skipped()).hasSize(4);
    assertThat(s.skipped().get(0)).contains("s01_01_sp.csv:3").contains("7 fields instead of 8");
    assertThat(s.skipped().get(1)).contains(":4").contains("not a number");
    assertThat(s.skipped().get(2)).contains(":5").contains("unknown activity 'DANCING'");
    assertThat(s.skipped().get(3)).contains(":6").contains("goes back");
  }

  @Test
  void read_wrongHeader_rejectsFile(@TempDir Path dir) throws Exception {
    Path f = Files.writeString(dir.resolve("bad.csv"), "a,b,c\n1,2,3\n");
    assertThatThrownBy(() -> SensorCsv.read(f, CLASSES))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("bad.csv")
        .hasMessageContaining("header");
  }

  @Test
  void resample_linearBetweenRows_repeatedTimestampUsesLast(@TempDir Path dir) throws Exception {
    Path f = csv(dir, "a.csv", new long[] {0, 10, 10, 30}, new String[] {"SEATED", "SEATED", "SEATED", "SEATED"});
    SensorCsv s = SensorCsv.read(f, CLASSES);

    float[][] r = s.resample(new double[] {-5, 5, 10, 20, 40});

    // Channel 0 values by row: 0, 1, 2, 3.
    assertThat(r[0]).containsExactly(0f, 0.5f, 2f, 2.5f, 3f);
  }

  @Test
  void cut_alignsOnOverlapAndLabelsByMajority(@TempDir Path dir) throws Exception {
    // Phone from 0 to 190 ms, watch from 40 to 230 ms, every 10 ms: overlap 40..190 ms = 16 points at 100 Hz.
    long[] tp = new long[20];
    long[] tw = new long[20];
    String[] lp = new String[20];
    String[] lw = new String[20];
    for (int i = 0; i < 20; i++) {
      tp[i] = i * 10;
      tw[i] = 40 + i * 10;
      lp[i] = tp[i] < 110 ? "SEATED" : "WALKING";
      lw[i] = tw[i] < 110 ? "SEATED" : "WALKING";
    }
    SensorCsv phone = SensorCsv.read(csv(dir, "p.csv", tp, lp), CLASSES);
    SensorCsv watch = SensorCsv.read(csv(dir, "w.csv", tw, lw), CLASSES);

    SensorWindows.Windows w = SensorWindows.cut(phone, watch, CLASSES.size(), 100, 8, 4);

    // 16 grid points, windows of 8 every 4: starts 0, 4, 8 -> 3 windows covering 40-120, 80-160, 120-200 ms.
    // The second holds 3 + 3 SEATED rows (80-100 ms) and 5 + 5 WALKING rows (110-150 ms).
    assertThat(w.count()).isEqualTo(3);
    assertThat(w.labels()).containsExactly(0, 2, 2);
    // First phone window, channel 0: phone row at 40 ms is row 4.
    assertThat(w.phone()[0]).isEqualTo(4f);
    // First watch window, channel 0: watch row at 40 ms is row 0.
    assertThat(w.watch()[0]).isEqualTo(0f);
  }

  @Test
  void load_malformedRowInRealExecution_reportedCountedAndSkipped(@TempDir Path tmp) throws Exception {
    Path real = TestData.shared("sp-sw-har").resolve("DATA");
    List<String> subjects = new ArrayList<>();
    for (int s = 1; s <= 7; s++) {
      subjects.add(String.format("s%02d", s));
    }
    for (String s : subjects) {
      Path d = Files.createDirectories(tmp.resolve("DATA").resolve(s));
      for (String dev : new String[] {"sp", "sw"}) {
        String name = s + "_01_" + dev + ".csv";
        Files.copy(real.resolve(s).resolve(name), d.resolve(name));
      }
    }
    Path broken = tmp.resolve("DATA").resolve("s02").resolve("s02_01_sw.csv");
    List<String> lines = new ArrayList<>(Files.readAllLines(broken));
    lines.add(10, "0.1,0.2,not-a-number,0.4,0.5,0.6,1657000000000,WALKING");
    Files.write(broken, lines);
    TestData.Capture log = TestData.capture();

    var split = Datasets.load("sp-sw-har", tmp, TestData.options().optSpSwHarDir(tmp).optLog(log.stream()).build());

    assertThat(log.text()).contains("skipped 1 malformed row(s)").contains("s02_01_sw.csv:11: not a number");
    assertThat(split.train().size()).isPositive();
    assertThat(split.test().size()).isPositive();
  }
}
