package org.mpsl4j.data.sensor;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mpsl4j.data.ArrayDataset;
import org.mpsl4j.data.Column;
import org.mpsl4j.data.CorruptDataException;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.PrepareProgress;
import org.mpsl4j.data.DatasetSource;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.InputSpec;
import org.mpsl4j.data.Modality;
import org.mpsl4j.data.cache.Fingerprint;
import org.mpsl4j.data.source.LocalFolder;

/**
 * Smartphone + smartwatch activity recognition (sp-sw-har, Matey-Sanz et al. 2023, CC BY 4.0): 23 subjects performed
 * Timed-Up-and-Go executions with a phone in the pocket and a watch on the wrist, each sampling a 3-axis accelerometer
 * and gyroscope at about 100 Hz. Five activities: SEATED, STANDING_UP, WALKING, TURNING, SITTING_DOWN.
 *
 * <p>Inputs {@code "phone"} and {@code "watch"}, each SENSOR {@code [6, window]} (acc x/y/z, gyro x/y/z). Windows: both
 * devices resampled by linear interpolation to {@code sensorRateHz} (default 50 Hz) on a common time grid, cut into
 * {@code sensorWindow} points (default 50 = 1 s) overlapping by {@code sensorOverlap} (default 0.5, i.e. a hop of
 * 0.5 s), labeled by majority (see {@link SensorWindows}). Split by subject: a seeded 5 of the 23 subjects form the
 * test set (no subject is in both). Each channel of each device is standardized with the mean and standard deviation
 * of the training windows. Group = subject, for one-client-per-subject partitions. Malformed CSV rows are reported,
 * skipped and counted; an execution without both device files is skipped.
 */
public final class SpSwHarSource implements DatasetSource {

  /** Activities, in label order. */
  public static final List<String> CLASSES = List.of("SEATED", "STANDING_UP", "WALKING", "TURNING", "SITTING_DOWN");
  /** Subjects put in the test split. */
  public static final int TEST_SUBJECTS = 5;

  static final String HOW_TO_GET = "Get sp-sw-har (CC BY 4.0) with 'git clone"
      + " https://github.com/GeoTecINIT/sp-sw-har-dataset' and"
      + " pass the folder holding DATA/ with --sp-sw-har-dir, or copy it to <data-dir>/sp-sw-har.";

  private static final Pattern FILE = Pattern.compile("(s[0-9]+)_([0-9]+)_sp\\.csv");

  @Override
  public String name() {
    return "sp-sw-har";
  }

  @Override
  public String description() {
    return "phone + watch IMU activity windows (sensor [6,50] x 2), 23 subjects, 5 activities, split by subject;"
        + " sp-sw-har (CC BY 4.0)";
  }

  /** The sp-sw-har folder (holding {@code DATA/}). */
  public static Path dir(Path dataDir, DataOptions options) {
    return LocalFolder.find(options.spSwHarDir(), dataDir, "sp-sw-har", "DATA", HOW_TO_GET);
  }

  /**
   * One execution: its subject and both device files.
   *
   * @param subject e.g. {@code s01}
   * @param phone   the {@code _sp.csv}
   * @param watch   the {@code _sw.csv}
   */
  public record Execution(String subject, Path phone, Path watch) {
  }

  /** Executions under {@code dir/DATA}, sorted; one with a missing watch file is reported in {@code skipped}. */
  public static List<Execution> executions(Path dir, List<String> skipped) {
    TreeMap<String, Execution> found = new TreeMap<>();
    try (DirectoryStream<Path> subjects = Files.newDirectoryStream(dir.resolve("DATA"), "s*")) {
      for (Path s : subjects) {
        if (!Files.isDirectory(s)) {
          continue;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(s, "*_sp.csv")) {
          for (Path phone : files) {
            Matcher m = FILE.matcher(phone.getFileName().toString());
            if (!m.matches()) {
              continue;
            }
            Path watch = s.resolve(m.group(1) + "_" + m.group(2) + "_sw.csv");
            if (!Files.isRegularFile(watch)) {
              skipped.add(phone + ": no matching watch file " + watch.getFileName());
              continue;
            }
            found.put(phone.getFileName().toString(), new Execution(m.group(1), phone, watch));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir.resolve("DATA") + ": " + e.getMessage(), e);
    }
    return new ArrayList<>(found.values());
  }

  @Override
  public void prepare(Path dataDir, DataOptions options, PrintStream log) {
    Path dir = dir(dataDir, options);
    List<String> skipped = new ArrayList<>();
    List<Execution> runs = executions(dir, skipped);
    log.println("sp-sw-har: using " + runs.size() + " executions in " + dir.toAbsolutePath().normalize()
        + " (Matey-Sanz et al. 2023, CC BY 4.0)" + (skipped.isEmpty() ? "" : "; incomplete: " + skipped));
  }

  @Override
  public String fingerprint(Path dataDir, DataOptions options) {
    return Fingerprint.ofTree(dir(dataDir, options).resolve("DATA"));
  }

  @Override
  public DatasetSplit build(Path dataDir, DataOptions options) {
    List<String> skipped = new ArrayList<>();
    List<Execution> runs = executions(dir(dataDir, options), skipped);
    List<String> subjects = runs.stream().map(Execution::subject).distinct().sorted().toList();
    if (subjects.size() <= TEST_SUBJECTS) {
      throw new CorruptDataException(dir(dataDir, options), "only " + subjects.size() + " subjects found; more than "
          + TEST_SUBJECTS + " are needed for a subject split");
    }
    List<String> shuffled = new ArrayList<>(subjects);
    Collections.shuffle(shuffled, new Random(options.seed()));
    List<String> testSubjects = shuffled.subList(0, TEST_SUBJECTS).stream().sorted().toList();
    int hop = Math.max(1, (int) Math.round(options.sensorWindow() * (1 - options.sensorOverlap())));
    List<Execution> trainRuns = runs.stream().filter(r -> !testSubjects.contains(r.subject())).toList();
    List<Execution> testRuns = runs.stream().filter(r -> testSubjects.contains(r.subject())).toList();
    Part train = windows(trainRuns, subjects, options, hop, skipped);
    Part test = windows(testRuns, subjects, options, hop, skipped);
    options.log().println("sp-sw-har: " + runs.size() + " executions, test subjects " + testSubjects + ", skipped "
        + skipped.size() + " malformed row(s) or incomplete execution(s)");
    for (String s : skipped) {
      options.log().println("  skipped " + s);
    }
    Standardizer phoneStats = Standardizer.fit(train.windows.phone(), SensorCsv.CHANNELS, options.sensorWindow());
    Standardizer watchStats = Standardizer.fit(train.windows.watch(), SensorCsv.CHANNELS, options.sensorWindow());
    return new DatasetSplit(
        dataset("sp-sw-har/train", train, phoneStats, watchStats, subjects, options),
        dataset("sp-sw-har/test", test, phoneStats, watchStats, subjects, options));
  }

  private record Part(SensorWindows.Windows windows, int[] subjectOfWindow) {
  }

  private static Part windows(List<Execution> runs, List<String> subjects, DataOptions options, int hop,
      List<String> skipped) {
    List<SensorWindows.Windows> parts = new ArrayList<>();
    List<Integer> groupOf = new ArrayList<>();
    try (PrepareProgress.Task task = options.progress().begin("sp-sw-har: reading runs", runs.size())) {
      for (Execution r : runs) {
        task.step();
        addWindows(r, subjects, options, hop, skipped, parts, groupOf);
      }
    }
    return new Part(SensorWindows.concat(parts), groupOf.stream().mapToInt(Integer::intValue).toArray());
  }

  /** One run's windows appended to {@code parts}; a run that cannot be read adds its reason to {@code skipped}. */
  private static void addWindows(Execution r, List<String> subjects, DataOptions options, int hop,
      List<String> skipped, List<SensorWindows.Windows> parts, List<Integer> groupOf) {
    SensorCsv phone;
    SensorCsv watch;
    try {
      phone = SensorCsv.read(r.phone(), CLASSES);
      watch = SensorCsv.read(r.watch(), CLASSES);
    } catch (CorruptDataException e) {
      skipped.add(e.getMessage());
      return;
    }
    skipped.addAll(phone.skipped());
    skipped.addAll(watch.skipped());
    SensorWindows.Windows w = SensorWindows.cut(phone, watch, CLASSES.size(), options.sensorRateHz(),
        options.sensorWindow(), hop);
    parts.add(w);
    for (int k = 0; k < w.count(); k++) {
      groupOf.add(subjects.indexOf(r.subject()));
    }
  }

  private static ArrayDataset dataset(String name, Part part, Standardizer phoneStats, Standardizer watchStats,
      List<String> subjects, DataOptions options) {
    int[] shape = {SensorCsv.CHANNELS, options.sensorWindow()};
    float[] phone = phoneStats.apply(part.windows.phone());
    float[] watch = watchStats.apply(part.windows.watch());
    ArrayDataset all = new ArrayDataset(name, CLASSES,
        List.of(new Column.Floats(new InputSpec("phone", Modality.SENSOR, shape), phone),
            new Column.Floats(new InputSpec("watch", Modality.SENSOR, shape), watch)),
        part.windows.labels(), part.subjectOfWindow, subjects);
    return all.limit(options.maxSamplesPerSplit(), options.seed());
  }
}
