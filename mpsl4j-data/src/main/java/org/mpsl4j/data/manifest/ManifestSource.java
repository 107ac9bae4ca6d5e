package org.mpsl4j.data.manifest;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.mpsl4j.data.ArrayDataset;
import org.mpsl4j.data.Column;
import org.mpsl4j.data.CorruptDataException;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.DatasetSource;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.InputSpec;
import org.mpsl4j.data.Modality;
import org.mpsl4j.data.cache.Fingerprint;
import org.mpsl4j.data.cache.SplitCache;
import org.mpsl4j.data.sensor.Standardizer;
import org.mpsl4j.data.text.MiniLmTokenizer;
import org.mpsl4j.data.image.PixelStats;

/**
 * A dataset the user describes with a manifest ({@code --dataset manifest:<path>}): one input per modality column,
 * named {@code image}, {@code audio}, {@code text}, {@code sensor}, shaped by the {@link ManifestConfig} sidecar.
 *
 * <p>Images are kept as bytes normalized with the mean and std of the training pixels; audio as log-mel features
 * ({@code [1, melBins, frames]}), unscaled as for AV-MNIST (standardizing them per mel bin scored lower on FSDD in one
 * 5-epoch run: 24.3% against 33.7% test accuracy); text as MiniLM WordPiece ids; sensor windows standardized per
 * channel. All statistics come from the training rows only. Group = client, when rows name their client, so that a natural partition gives each client its rows.
 * Any problem fails the build with every problem and its manifest line (see {@link ManifestCheck}).
 */
public final class ManifestSource implements DatasetSource {

  /** The prefix of a manifest dataset name. */
  public static final String PREFIX = "manifest:";

  /** Part of the cache key: raise it when the preprocessing here changes, so that old tensors are not reused. */
  private static final int PREPROCESSING_VERSION = 1;

  private final Path manifest;

  /** The dataset of this manifest file. */
  public ManifestSource(Path manifest) {
    this.manifest = manifest;
  }

  /** The manifest of a dataset name {@code manifest:<path>}. */
  public static Path pathOf(String datasetName) {
    if (!isManifest(datasetName)) {
      throw new IllegalArgumentException("'" + datasetName + "' is not of the form manifest:<path>");
    }
    return Path.of(datasetName.substring(PREFIX.length()));
  }

  /** Whether a dataset name names a manifest. */
  public static boolean isManifest(String datasetName) {
    return datasetName.regionMatches(true, 0, PREFIX, 0, PREFIX.length());
  }

  /** The manifest file. */
  public Path manifest() {
    return manifest;
  }

  @Override
  public String name() {
    return "manifest";
  }

  @Override
  public String description() {
    return "your own data: a CSV or JSON-lines manifest of image/audio/text/sensor files per sample (" + manifest + ")";
  }

  @Override
  public void prepare(Path dataDir, DataOptions options, PrintStream log) {
    ManifestReader.Parsed parsed = ManifestReader.read(manifest);
    log.println("manifest: " + parsed.rows().size() + " rows with " + parsed.modalities() + " in "
        + manifest.toAbsolutePath().normalize() + " (check it with 'mpsl4j data check " + manifest + "')");
  }

  @Override
  public String fingerprint(Path dataDir, DataOptions options) {
    ManifestReader.Parsed parsed = ManifestReader.read(manifest);
    List<Path> files = new ArrayList<>(List.of(manifest, ManifestConfig.sidecarOf(manifest)));
    Path base = manifest.toAbsolutePath().getParent();
    for (ManifestReader.Row r : parsed.rows()) {
      for (Map.Entry<String, String> v : r.values().entrySet()) {
        if (!v.getKey().equals("text") && !(v.getKey().equals("sensor") && !v.getValue().endsWith(".csv"))) {
          files.add(base.resolve(v.getValue()));
        }
      }
    }
    return "v" + PREPROCESSING_VERSION + "|" + Fingerprint.ofFiles(files) + "|"
        + SplitCache.hash(ManifestConfig.forManifest(manifest).toJson());
  }

  @Override
  public DatasetSplit build(Path dataDir, DataOptions options) {
    ManifestCheck.Result r = ManifestCheck.run(manifest, options.seed());
    if (!r.ok()) {
      int shown = Math.min(20, r.problems().size());
      throw new CorruptDataException(manifest, r.problems().size() + " problem(s) in the manifest:\n  "
          + String.join("\n  ", r.problems().subList(0, shown))
          + (shown < r.problems().size() ? "\n  ... and " + (r.problems().size() - shown) + " more" : "")
          + "\n(run 'mpsl4j data check " + manifest + "' for the full report)");
    }
    List<ManifestCheck.Sample> train = r.samples().stream().filter(s -> !s.test()).toList();
    List<ManifestCheck.Sample> test = r.samples().stream().filter(ManifestCheck.Sample::test).toList();
    ManifestConfig c = r.config();
    float[] pixelStats = null;
    Standardizer sensorStats = null;
    if (r.modalities().contains(Modality.IMAGE)) {
      pixelStats = PixelStats.meanStd(concatBytes(train));
    }
    if (r.modalities().contains(Modality.SENSOR)) {
      sensorStats = sensorStats(r);
    }
    try (MiniLmTokenizer tokenizer = r.modalities().contains(Modality.TEXT)
        ? MiniLmTokenizer.create(c.text().maxLength()) : null) {
      ArrayDataset trainSet = dataset("manifest/train", train, r, pixelStats, sensorStats, tokenizer);
      ArrayDataset testSet = dataset("manifest/test", test, r, pixelStats, sensorStats, tokenizer);
      options.log().println("manifest: " + train.size() + " train / " + test.size() + " test rows, "
          + r.classNames().size() + " classes" + (r.clientNames().isEmpty() ? "" : ", "
          + r.clientNames().size() + " clients") + ", inputs " + trainSet.inputs());
      return new DatasetSplit(trainSet.limit(options.maxSamplesPerSplit(), options.seed()),
          testSet.limit(options.maxSamplesPerSplit(), options.seed()));
    }
  }

  /**
   * The per-channel standardization that {@link #build} fits on this manifest's training rows (the split drawn with
   * this seed), so that new series can be scaled exactly as the training series were; null without a sensor column.
   *
   * @throws CorruptDataException when the manifest has problems (the same check {@link #build} runs)
   */
  public static Standardizer sensorStandardizer(Path manifest, long seed) {
    ManifestCheck.Result r = ManifestCheck.run(manifest, seed);
    if (!r.ok()) {
      throw new CorruptDataException(manifest, r.problems().size() + " problem(s) in the manifest (run 'mpsl4j data"
          + " check " + manifest + "')");
    }
    return r.modalities().contains(Modality.SENSOR) ? sensorStats(r) : null;
  }

  private static Standardizer sensorStats(ManifestCheck.Result r) {
    List<ManifestCheck.Sample> withSeries = r.samples().stream().filter(s -> !s.test() && s.sensor() != null)
        .toList();
    return Standardizer.fit(concatFloats(withSeries, ManifestCheck.Sample::sensor), r.sensorChannels(),
        r.config().sensor().window());
  }

  private static ArrayDataset dataset(String name, List<ManifestCheck.Sample> rows, ManifestCheck.Result r,
      float[] pixelStats, Standardizer sensorStats, MiniLmTokenizer tokenizer) {
    ManifestConfig c = r.config();
    List<Column> columns = new ArrayList<>();
    for (Modality m : r.modalities()) {
      switch (m) {
        case IMAGE -> columns.add(new Column.Bytes(new InputSpec("image", m,
            new int[] {c.image().channels(), c.image().size(), c.image().size()}), concatBytes(rows), pixelStats[0],
            pixelStats[1]));
        case AUDIO -> columns.add(new Column.Floats(new InputSpec("audio", m,
            new int[] {1, c.audio().melBins(), c.audio().frames()}), concatFloats(rows, ManifestCheck.Sample::audio)));
        case TEXT -> columns.add(tokenizer.encode(new InputSpec("text", m, new int[] {c.text().maxLength()}),
            rows.stream().map(ManifestCheck.Sample::text).toList()));
        case SENSOR -> columns.add(new Column.Floats(new InputSpec("sensor", m,
            new int[] {r.sensorChannels(), c.sensor().window()}), standardizedSensor(rows, sensorStats)));
      }
    }
    int[] labels = rows.stream().mapToInt(ManifestCheck.Sample::label).toArray();
    boolean clients = !r.clientNames().isEmpty();
    int[] groups = clients ? rows.stream().mapToInt(ManifestCheck.Sample::client).toArray() : null;
    return new ArrayDataset(name, r.classNames(), columns, labels, groups, clients ? r.clientNames() : List.of());
  }

  /** Standardized windows; a row without a series is all zeros, i.e. at the training means of its channels. */
  private static float[] standardizedSensor(List<ManifestCheck.Sample> rows, Standardizer stats) {
    int row = stats.mean().length * stats.length();
    float[] raw = new float[rows.size() * row];
    for (int i = 0; i < rows.size(); i++) {
      if (rows.get(i).sensor() != null) {
        System.arraycopy(rows.get(i).sensor(), 0, raw, i * row, row);
      }
    }
    float[] out = stats.apply(raw);
    for (int i = 0; i < rows.size(); i++) {
      if (rows.get(i).sensor() == null) {
        java.util.Arrays.fill(out, i * row, (i + 1) * row, 0f);
      }
    }
    return out;
  }

  private static byte[] concatBytes(List<ManifestCheck.Sample> rows) {
    int row = rows.isEmpty() ? 0 : rows.get(0).image().length;
    byte[] out = new byte[rows.size() * row];
    for (int i = 0; i < rows.size(); i++) {
      System.arraycopy(rows.get(i).image(), 0, out, i * row, row);
    }
    return out;
  }

  private static float[] concatFloats(List<ManifestCheck.Sample> rows,
      java.util.function.Function<ManifestCheck.Sample, float[]> field) {
    int row = rows.isEmpty() ? 0 : field.apply(rows.get(0)).length;
    float[] out = new float[rows.size() * row];
    for (int i = 0; i < rows.size(); i++) {
      System.arraycopy(field.apply(rows.get(i)), 0, out, i * row, row);
    }
    return out;
  }
}
