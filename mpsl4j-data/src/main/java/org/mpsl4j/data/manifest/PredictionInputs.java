package org.mpsl4j.data.manifest;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.mpsl4j.data.ArrayDataset;
import org.mpsl4j.data.Column;
import org.mpsl4j.data.CorruptDataException;
import org.mpsl4j.data.InputSpec;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.data.Modality;
import org.mpsl4j.data.sensor.Standardizer;
import org.mpsl4j.data.text.MiniLmTokenizer;

/**
 * New inputs for a trained model ({@code mpsl4j predict}, {@code evaluate --rows}), preprocessed exactly as its
 * training data was: the same picture size and channels, the same log-mel settings, the same WordPiece length, and
 * the pixel normalization (mean, std) of the training split, read from the training dataset's columns.
 *
 * <p>Sensor series are standardized per channel with the statistics of the training manifest's training rows
 * ({@link ManifestSource#sensorStandardizer}); they are not kept in the columns, so the caller passes them in. Labels
 * are optional; a row without one gets label -1 in {@link Inputs#labels()}.
 */
public final class PredictionInputs {
  /** The inputs, what names each (its first value), and each one's label in the training classes, or -1. */
  public record Inputs(ArrayDataset data, List<String> names, int[] labels) {
    public boolean allLabelled() {
      return Arrays.stream(labels).allMatch(l -> l >= 0);
    }
  }

  private final LabeledDataset training;
  private final ManifestConfig config;
  private final Standardizer sensorStats;

  /**
   * @param training the model's training split (its inputs, classes and pixel statistics)
   * @param config   the settings of the training manifest, or {@link ManifestConfig#defaults()} for a built-in
   *                 dataset (picture size and channels then come from the training inputs)
   */
  public PredictionInputs(LabeledDataset training, ManifestConfig config) {
    this(training, config, null);
  }

  /**
   * @param sensorStats the training rows' per-channel standardization of a manifest with a sensor column
   *                    ({@link ManifestSource#sensorStandardizer}); null refuses sensor inputs
   */
  public PredictionInputs(LabeledDataset training, ManifestConfig config, Standardizer sensorStats) {
    this.training = training;
    this.sensorStats = sensorStats;
    ManifestConfig c = config;
    for (InputSpec in : training.inputs()) {
      if (in.modality() == Modality.IMAGE) {
        int[] s = in.sampleShape();
        c = new ManifestConfig(new ManifestConfig.Image(s[1], s[1], s[0], c.image().optional()), c.audio(), c.text(),
            c.sensor(), c.classes(), c.testFraction());
      }
    }
    this.config = c;
  }

  /** Files on the command line, for a model with a single picture or sound input. */
  public Inputs files(List<Path> files) {
    List<InputSpec> inputs = training.inputs();
    if (inputs.size() != 1 || !(inputs.get(0).modality() == Modality.IMAGE
        || inputs.get(0).modality() == Modality.AUDIO)) {
      throw new IllegalArgumentException("files can be given alone only to a model with one picture or sound input;"
          + " this model reads " + inputs.stream().map(InputSpec::name).toList() + ": list them in a manifest (--rows)");
    }
    String column = inputs.get(0).modality() == Modality.IMAGE ? "image" : "audio";
    List<ManifestReader.Row> rows = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      rows.add(new ManifestReader.Row(i + 1, "", "", "", Map.of(column, files.get(i).toAbsolutePath().toString())));
    }
    return decode(Path.of("."), rows, "argument");
  }

  /** The rows of a manifest (labels optional), with the same modality columns as the training data. */
  public Inputs rows(Path manifest) {
    ManifestReader.Parsed parsed = ManifestReader.read(manifest, false);
    if (!parsed.problems().isEmpty()) {
      throw new CorruptDataException(manifest, parsed.problems().stream().map(p -> p.format(manifest)).toList()
          .toString());
    }
    return decode(manifest.toAbsolutePath().getParent(), parsed.rows(), "line");
  }

  private Inputs decode(Path base, List<ManifestReader.Row> rows, String where) {
    SampleDecoder decoder = new SampleDecoder(base, config);
    List<InputSpec> inputs = training.inputs();
    List<String> problems = Collections.synchronizedList(new ArrayList<>());
    Object[][] values = new Object[rows.size()][inputs.size()];
    IntStream.range(0, rows.size()).parallel().forEach(i -> {
      ManifestReader.Row r = rows.get(i);
      for (int k = 0; k < inputs.size(); k++) {
        InputSpec in = inputs.get(k);
        String column = column(r, in.modality());
        try {
          values[i][k] = value(decoder, in, column, column == null ? null : r.values().get(column));
        } catch (RuntimeException e) {
          problems.add(where + " " + r.line() + ": " + in.name() + ": " + e.getMessage());
        }
      }
    });
    int[] labels = new int[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      String label = rows.get(i).label();
      labels[i] = label.isEmpty() ? -1 : training.classNames().indexOf(label);
      if (!label.isEmpty() && labels[i] < 0) {
        problems.add(where + " " + rows.get(i).line() + ": label '" + label + "' is not one of the model's classes "
            + training.classNames());
      }
    }
    if (!problems.isEmpty()) {
      Collections.sort(problems);
      throw new IllegalArgumentException(problems.size() + " input(s) could not be used:\n  "
          + String.join("\n  ", problems.subList(0, Math.min(20, problems.size()))));
    }
    List<Column> columns = new ArrayList<>();
    for (int k = 0; k < inputs.size(); k++) {
      columns.add(column(inputs.get(k), values, k));
    }
    List<String> names = rows.stream().map(r -> r.values().isEmpty() ? "line " + r.line()
        : r.values().values().iterator().next()).toList();
    int[] placeholder = Arrays.stream(labels).map(l -> Math.max(l, 0)).toArray();
    return new Inputs(new ArrayDataset("inputs", training.classNames(), columns, placeholder, null, List.of()), names,
        labels);
  }

  /** The manifest column that holds an input of this modality ({@code text} or {@code text_file}), or null. */
  private static String column(ManifestReader.Row r, Modality m) {
    return switch (m) {
      case IMAGE -> "image";
      case AUDIO -> "audio";
      case SENSOR -> "sensor";
      case TEXT -> r.values().containsKey("text_file") ? "text_file" : "text";
    };
  }

  private Object value(SampleDecoder decoder, InputSpec in, String column, String value) {
    boolean missing = value == null;
    if (missing && !config.optional(in.modality())) {
      throw new IllegalArgumentException("no " + column + " value; the model reads it");
    }
    return switch (in.modality()) {
      case IMAGE -> missing ? decoder.missingImage() : decoder.image(value);
      case AUDIO -> {
        float[] mel = missing ? decoder.missingAudio() : decoder.audio(value);
        if (mel.length != in.sampleSize()) {
          throw new IllegalArgumentException("the model's sound input is " + Arrays.toString(in.sampleShape())
              + " but the settings give " + mel.length + " values; a model trained on a built-in dataset takes"
              + " pictures only");
        }
        yield mel;
      }
      case TEXT -> missing ? "" : decoder.text(column, value);
      case SENSOR -> sensorWindow(decoder, in, missing ? null : value);
    };
  }

  /** The standardized window, as in training; a missing series stands at the training means (zeros). */
  private float[] sensorWindow(SampleDecoder decoder, InputSpec in, String value) {
    if (sensorStats == null) {
      throw new IllegalArgumentException("sensor series can be read only for a model trained on a manifest with a"
          + " sensor column (the training rows' standardization is needed)");
    }
    if (value == null) {
      return new float[in.sampleSize()];
    }
    float[][] series = decoder.sensor(value);
    if (series.length != in.sampleShape()[0]) {
      throw new IllegalArgumentException(series.length + " channels but the model reads " + in.sampleShape()[0]);
    }
    return sensorStats.apply(decoder.window(series));
  }

  private Column column(InputSpec in, Object[][] values, int k) {
    int n = values.length;
    switch (in.modality()) {
      case IMAGE -> {
        int row = in.sampleSize();
        byte[] out = new byte[n * row];
        for (int i = 0; i < n; i++) {
          System.arraycopy((byte[]) values[i][k], 0, out, i * row, row);
        }
        Column.Bytes stats = pixelStats(in.name());
        return new Column.Bytes(in, out, stats.mean(), stats.std());
      }
      case AUDIO, SENSOR -> {
        int row = in.sampleSize();
        float[] out = new float[n * row];
        for (int i = 0; i < n; i++) {
          System.arraycopy((float[]) values[i][k], 0, out, i * row, row);
        }
        return new Column.Floats(in, out);
      }
      case TEXT -> {
        List<String> texts = new ArrayList<>();
        for (Object[] v : values) {
          texts.add((String) v[k]);
        }
        try (MiniLmTokenizer tokenizer = MiniLmTokenizer.create(in.sampleShape()[0])) {
          return tokenizer.encode(in, texts);
        }
      }
      default -> throw new IllegalStateException("unreachable: " + in.modality());
    }
  }

  /** The training split's picture column of this input, for its normalization. */
  private Column.Bytes pixelStats(String input) {
    if (training instanceof ArrayDataset a) {
      for (Column c : a.columns()) {
        Column base = c instanceof Column.Indexed ix ? ix.base() : c;
        if (base.spec().name().equals(input) && base instanceof Column.Bytes b) {
          return b;
        }
      }
    }
    throw new IllegalStateException("the training data keeps no pixel statistics for input '" + input + "'");
  }
}
