package org.mpsl4j.data.manifest;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.mpsl4j.data.Modality;

/**
 * Reads a whole manifest as training would, and collects every problem instead of stopping at the first: structural
 * ones from {@link ManifestReader}, then per row a missing or unreadable file, a missing modality the settings do not
 * allow, a sensor series with the wrong number of channels, and for the whole manifest an empty split or a client
 * without training rows. Each problem names the manifest line ({@code pets.csv:7: ...}).
 *
 * <p>Files are decoded in parallel on the common pool. The result holds the decoded samples, so that
 * {@link ManifestSource} builds tensors from it without reading anything twice.
 */
public final class ManifestCheck {

  private ManifestCheck() {
  }

  /**
   * One decoded row. Absent modalities hold their neutral value; {@code text} is the raw text (tokenized later, in
   * one batch).
   *
   * @param line   manifest line
   * @param label  class index
   * @param client client index, -1 without clients
   * @param test   whether it is in the test split
   */
  public record Sample(int line, int label, int client, boolean test, byte[] image, float[] audio, String text,
      float[] sensor) {
  }

  /**
   * A checked manifest.
   *
   * @param manifest       the manifest file
   * @param config         its settings
   * @param modalities     the modalities it has, in the order image, audio, text, sensor
   * @param classNames     class names, by label
   * @param clientNames    client names, by client index; empty when no row names a client
   * @param sensorChannels channels of the sensor series (0 without sensor)
   * @param samples        the rows that decoded, in manifest order
   * @param problems       every problem, formatted {@code file:line: message}; empty if training can start
   */
  public record Result(Path manifest, ManifestConfig config, List<Modality> modalities, List<String> classNames,
      List<String> clientNames, int sensorChannels, List<Sample> samples, List<String> problems) {

    /** Whether training can start. */
    public boolean ok() {
      return problems.isEmpty();
    }

    /** Rows per class name, {@code [train, test]}. */
    public Map<String, int[]> countsByClass() {
      Map<String, int[]> out = new java.util.LinkedHashMap<>();
      classNames.forEach(c -> out.put(c, new int[2]));
      samples.forEach(s -> out.get(classNames.get(s.label()))[s.test() ? 1 : 0]++);
      return out;
    }

    /** Rows per client name, {@code [train, test]}; empty without clients. */
    public Map<String, int[]> countsByClient() {
      Map<String, int[]> out = new java.util.LinkedHashMap<>();
      clientNames.forEach(c -> out.put(c, new int[2]));
      samples.stream().filter(s -> s.client() >= 0)
          .forEach(s -> out.get(clientNames.get(s.client()))[s.test() ? 1 : 0]++);
      return out;
    }
  }

  /** Checks a manifest with its sidecar settings; {@code seed} draws the split when no row names one. */
  public static Result run(Path manifest, long seed) {
    return run(manifest, ManifestConfig.forManifest(manifest), seed);
  }

  /** Checks a manifest with these settings. */
  public static Result run(Path manifest, ManifestConfig config, long seed) {
    ManifestReader.Parsed parsed = ManifestReader.read(manifest);
    List<ManifestReader.Problem> problems = Collections.synchronizedList(new ArrayList<>(parsed.problems()));
    List<ManifestReader.Row> rows = parsed.rows();
    List<Modality> modalities = parsed.modalities().stream().map(ManifestReader.MODALITY_COLUMNS::get).toList();

    List<String> classNames = classNames(rows, config, problems);
    List<String> clientNames = rows.stream().map(ManifestReader.Row::client).filter(c -> !c.isEmpty()).distinct()
        .sorted().toList();
    requireAllOrNone(rows, clientNames.isEmpty(), "client", ManifestReader.Row::client, problems);
    boolean namedSplit = rows.stream().anyMatch(r -> !r.split().isEmpty());
    requireAllOrNone(rows, !namedSplit, "split", ManifestReader.Row::split, problems);

    SampleDecoder decoder = new SampleDecoder(manifest.toAbsolutePath().getParent(), config);
    Sample[] decoded = new Sample[rows.size()];
    float[][][] series = new float[rows.size()][][];
    IntStream.range(0, rows.size()).parallel().forEach(i -> {
      ManifestReader.Row r = rows.get(i);
      int label = classNames.indexOf(r.label());
      if (label < 0) {
        return; // reported by classNames
      }
      byte[] image = null;
      float[] audio = null;
      String text = null;
      boolean ok = true;
      for (String column : parsed.modalities()) {
        Modality m = ManifestReader.MODALITY_COLUMNS.get(column);
        String value = r.values().get(column);
        try {
          if (value == null) {
            if (!config.optional(m)) {
              problems.add(new ManifestReader.Problem(r.line(), "no " + column + " value; every row needs one"
                  + " unless \"" + m.name().toLowerCase(java.util.Locale.ROOT) + "\": {\"optional\": true} is set in "
                  + ManifestConfig.sidecarOf(manifest).getFileName()));
              ok = false;
            }
            continue;
          }
          switch (m) {
            case IMAGE -> image = decoder.image(value);
            case AUDIO -> audio = decoder.audio(value);
            case TEXT -> text = decoder.text(column, value);
            case SENSOR -> series[i] = decoder.sensor(value);
          }
        } catch (RuntimeException e) {
          problems.add(new ManifestReader.Problem(r.line(), column + ": " + e.getMessage()));
          ok = false;
        }
      }
      if (ok) {
        int client = clientNames.indexOf(r.client());
        decoded[i] = new Sample(r.line(), label, client, r.split().equals("test"), image, audio, text, null);
      }
    });

    int channels = sensorChannels(rows, series, config, problems);
    if (modalities.contains(Modality.SENSOR) && channels == 0 && problems.isEmpty()) {
      problems.add(new ManifestReader.Problem(1, "no row has a sensor series, so the number of channels is unknown;"
          + " set sensor.channels in " + ManifestConfig.sidecarOf(manifest).getFileName()));
    }
    List<Sample> samples = new ArrayList<>();
    for (int i = 0; i < decoded.length; i++) {
      Sample s = decoded[i];
      if (s == null || (series[i] != null && series[i].length != channels)) {
        continue;
      }
      samples.add(new Sample(s.line(), s.label(), s.client(), s.test(),
          modalities.contains(Modality.IMAGE) && s.image() == null ? decoder.missingImage() : s.image(),
          modalities.contains(Modality.AUDIO) && s.audio() == null ? decoder.missingAudio() : s.audio(),
          modalities.contains(Modality.TEXT) && s.text() == null ? "" : s.text(),
          series[i] == null ? null : decoder.window(series[i])));
    }
    if (!namedSplit) {
      samples = drawSplit(samples, !clientNames.isEmpty(), config.testFraction(), seed);
    }
    List<String> messages = new ArrayList<>();
    problems.stream().sorted(Comparator.comparingInt(ManifestReader.Problem::line))
        .forEach(p -> messages.add(p.format(manifest)));
    if (messages.isEmpty()) {
      wholeManifest(manifest, samples, clientNames, messages);
    }
    return new Result(manifest, config, modalities.stream().distinct().toList(), classNames, clientNames, channels,
        List.copyOf(samples), List.copyOf(messages));
  }

  private static List<String> classNames(List<ManifestReader.Row> rows, ManifestConfig config,
      List<ManifestReader.Problem> problems) {
    if (config.classes() != null) {
      for (ManifestReader.Row r : rows) {
        if (!r.label().isEmpty() && !config.classes().contains(r.label())) {
          problems.add(new ManifestReader.Problem(r.line(), "label '" + r.label() + "' is not one of the classes "
              + config.classes() + " in the settings"));
        }
      }
      return config.classes();
    }
    TreeSet<String> labels = new TreeSet<>();
    rows.stream().map(ManifestReader.Row::label).filter(l -> !l.isEmpty()).forEach(labels::add);
    boolean numeric = labels.stream().allMatch(l -> l.matches("-?[0-9]{1,9}"));
    List<String> sorted = new ArrayList<>(labels);
    if (numeric) {
      sorted.sort(Comparator.comparingInt(Integer::parseInt));
    }
    return List.copyOf(sorted);
  }

  private static void requireAllOrNone(List<ManifestReader.Row> rows, boolean none, String column,
      java.util.function.Function<ManifestReader.Row, String> value, List<ManifestReader.Problem> problems) {
    if (none) {
      return;
    }
    for (ManifestReader.Row r : rows) {
      if (value.apply(r).isEmpty()) {
        problems.add(new ManifestReader.Problem(r.line(), column + " is empty but other rows name theirs; name it"
            + " in every row or in none"));
      }
    }
  }

  private static int sensorChannels(List<ManifestReader.Row> rows, float[][][] series, ManifestConfig config,
      List<ManifestReader.Problem> problems) {
    int expected = config.sensor().channels();
    if (expected == 0 && config.sensor().columns() != null) {
      expected = config.sensor().columns().size();
    }
    for (int i = 0; i < series.length; i++) {
      if (series[i] == null) {
        continue;
      }
      if (expected == 0) {
        expected = series[i].length; // the first series fixes the count
      } else if (series[i].length != expected) {
        problems.add(new ManifestReader.Problem(rows.get(i).line(), "sensor: " + series[i].length
            + " channels but " + expected + " expected (sensor.channels, or the first series)"));
      }
    }
    return expected;
  }

  /** Holds out {@code fraction} of each client's (else each class's) rows, seeded; at least one row stays in train. */
  private static List<Sample> drawSplit(List<Sample> samples, boolean byClient, double fraction, long seed) {
    TreeMap<Integer, List<Integer>> strata = new TreeMap<>();
    for (int i = 0; i < samples.size(); i++) {
      Sample s = samples.get(i);
      strata.computeIfAbsent(byClient ? s.client() : s.label(), k -> new ArrayList<>()).add(i);
    }
    boolean[] test = new boolean[samples.size()];
    Random random = new Random(seed);
    for (List<Integer> members : strata.values()) {
      Collections.shuffle(members, random);
      int n = (int) Math.min(members.size() - 1, Math.round(members.size() * fraction));
      for (int k = 0; k < n; k++) {
        test[members.get(k)] = true;
      }
    }
    List<Sample> out = new ArrayList<>();
    for (int i = 0; i < samples.size(); i++) {
      Sample s = samples.get(i);
      out.add(new Sample(s.line(), s.label(), s.client(), test[i], s.image(), s.audio(), s.text(), s.sensor()));
    }
    return out;
  }

  private static void wholeManifest(Path manifest, List<Sample> samples, List<String> clientNames,
      List<String> messages) {
    String name = manifest.getFileName().toString();
    long train = samples.stream().filter(s -> !s.test()).count();
    if (train == 0) {
      messages.add(name + ": no training rows");
    }
    if (train == samples.size()) {
      messages.add(name + ": no test rows; name the split (train/test) in every row, or give each client (without"
          + " clients: each class) at least 2 rows for the drawn split");
    }
    for (int c = 0; c < clientNames.size(); c++) {
      int client = c;
      if (samples.stream().noneMatch(s -> s.client() == client && !s.test())) {
        messages.add(name + ": client '" + clientNames.get(c) + "' has no training rows");
      }
    }
  }
}
