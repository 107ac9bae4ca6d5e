package org.mpsl4j.data.manifest;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.mpsl4j.data.CorruptDataException;
import org.mpsl4j.data.Modality;

/**
 * The preprocessing and tokenizer settings of a manifest dataset, read from the JSON sidecar next to the manifest
 * ({@code pets.csv} → {@code pets.config.json}); a missing sidecar, section or field takes the default. Unknown fields
 * are rejected, so a typo never silently falls back to a default.
 *
 * <pre>{@code
 * {"image":  {"size": 32, "patch": 8, "channels": 3, "optional": false},
 *  "audio":  {"sampleRate": 8000, "melBins": 40, "frames": 100, "patch": 10, "optional": false},
 *  "text":   {"maxLength": 32, "optional": false},
 *  "sensor": {"window": 50, "patch": 10, "channels": 0, "columns": null, "optional": false},
 *  "classes": null, "testFraction": 0.2}
 * }</pre>
 *
 * @param image        picture settings
 * @param audio        sound settings
 * @param text         text settings
 * @param sensor       time-series settings
 * @param classes      class names in label order; null = the distinct labels, numerically sorted if all are integers
 * @param testFraction share of each client's (or, without clients, each class's) rows held out when no row names its
 *                     split; in (0, 1), default 0.2
 */
public record ManifestConfig(Image image, Audio audio, Text text, Sensor sensor, List<String> classes,
    Double testFraction) {

  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  public ManifestConfig {
    image = image == null ? new Image(null, null, null, null) : image;
    audio = audio == null ? new Audio(null, null, null, null, null) : audio;
    text = text == null ? new Text(null, null) : text;
    sensor = sensor == null ? new Sensor(null, null, null, null, null) : sensor;
    classes = classes == null ? null : List.copyOf(classes);
    testFraction = testFraction == null ? 0.2 : testFraction;
    if (!(testFraction > 0 && testFraction < 1)) {
      throw new IllegalArgumentException("testFraction must be in (0, 1) but was " + testFraction);
    }
  }

  /** All defaults. */
  public static ManifestConfig defaults() {
    return new ManifestConfig(null, null, null, null, null, null);
  }

  /** The sidecar of a manifest: its file name with the extension replaced by {@code .config.json}. */
  public static Path sidecarOf(Path manifest) {
    String name = manifest.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return manifest.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".config.json");
  }

  /**
   * The settings for a manifest: its sidecar if there is one, else the defaults.
   *
   * @throws CorruptDataException naming the sidecar if it is not valid JSON, has an unknown field or a bad value
   */
  public static ManifestConfig forManifest(Path manifest) {
    Path sidecar = sidecarOf(manifest);
    if (!Files.isRegularFile(sidecar)) {
      return defaults();
    }
    try {
      return JSON.readValue(sidecar.toFile(), ManifestConfig.class);
    } catch (IOException | IllegalArgumentException e) {
      String why = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
      throw new CorruptDataException(sidecar, "bad manifest settings: " + why, e);
    }
  }

  /** Whether a row may leave this modality empty (it is then filled with a neutral value). */
  public boolean optional(Modality m) {
    return switch (m) {
      case IMAGE -> image.optional();
      case AUDIO -> audio.optional();
      case TEXT -> text.optional();
      case SENSOR -> sensor.optional();
    };
  }

  /** Patch size of this modality's tokenizer (side for IMAGE and AUDIO, length for SENSOR); 0 for TEXT. */
  public int patch(Modality m) {
    return switch (m) {
      case IMAGE -> image.patch();
      case AUDIO -> audio.patch();
      case SENSOR -> sensor.patch();
      case TEXT -> 0;
    };
  }

  /** The settings as canonical JSON, for cache keys and reports. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Pictures (PNG, JPEG, GIF, BMP through the JDK's ImageIO; SVG through Batik), stretched to a square.
   *
   * @param size     side in pixels (default 32)
   * @param patch    patch side of the tokenizer, dividing size (default 8)
   * @param channels 3 = RGB (default), 1 = gray
   * @param optional a row may leave it empty (default false)
   */
  public record Image(Integer size, Integer patch, Integer channels, Boolean optional) {
    public Image {
      size = positive("image.size", size, 32);
      patch = positive("image.patch", patch, 8);
      channels = channels == null ? 3 : channels;
      optional = optional != null && optional;
      if (channels != 1 && channels != 3) {
        throw new IllegalArgumentException("image.channels must be 1 or 3 but was " + channels);
      }
      divides("image.patch", patch, "image.size", size);
    }
  }

  /**
   * Sounds, turned into log-mel spectrograms (25 ms windows, 10 ms hop).
   *
   * @param sampleRate rate every clip is resampled to, Hz (default 8000)
   * @param melBins    mel filters (default 40)
   * @param frames     10 ms frames per clip, cut or padded with silence (default 100 = 1 s)
   * @param patch      patch side, dividing melBins and frames (default 10)
   * @param optional   a row may leave it empty (default false)
   */
  public record Audio(Integer sampleRate, Integer melBins, Integer frames, Integer patch, Boolean optional) {
    public Audio {
      sampleRate = positive("audio.sampleRate", sampleRate, 8000);
      melBins = positive("audio.melBins", melBins, 40);
      frames = positive("audio.frames", frames, 100);
      patch = positive("audio.patch", patch, 10);
      optional = optional != null && optional;
      divides("audio.patch", patch, "audio.melBins", melBins);
      divides("audio.patch", patch, "audio.frames", frames);
    }
  }

  /**
   * UTF-8 text, WordPiece-tokenized with the MiniLM vocabulary.
   *
   * @param maxLength tokens per text including [CLS] and [SEP], padded or truncated (default 32, at least 3)
   * @param optional  a row may leave it empty (default false)
   */
  public record Text(Integer maxLength, Boolean optional) {
    public Text {
      maxLength = positive("text.maxLength", maxLength, 32);
      optional = optional != null && optional;
      if (maxLength < 3) {
        throw new IllegalArgumentException("text.maxLength must be >= 3 but was " + maxLength);
      }
    }
  }

  /**
   * Multichannel time series: a CSV file (rows = time steps, one column per channel) or an inline series.
   *
   * @param window   time steps per sample: longer series are cut, shorter ones hold their last value (default 50)
   * @param patch    patch length, dividing window (default 10)
   * @param channels channels expected; 0 = as many as the first series has (default)
   * @param columns  CSV columns to use, in order; null = every column except time/timestamp/label ones
   * @param optional a row may leave it empty (default false)
   */
  public record Sensor(Integer window, Integer patch, Integer channels, List<String> columns, Boolean optional) {
    public Sensor {
      window = positive("sensor.window", window, 50);
      patch = positive("sensor.patch", patch, 10);
      channels = channels == null ? 0 : channels;
      columns = columns == null ? null : List.copyOf(columns);
      optional = optional != null && optional;
      if (channels < 0) {
        throw new IllegalArgumentException("sensor.channels must be >= 0 (0 = from the data) but was " + channels);
      }
      if (columns != null && channels != 0 && channels != columns.size()) {
        throw new IllegalArgumentException("sensor.channels is " + channels + " but sensor.columns names "
            + columns.size());
      }
      divides("sensor.patch", patch, "sensor.window", window);
    }
  }

  private static int positive(String name, Integer value, int fallback) {
    if (value == null) {
      return fallback;
    }
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be >= 1 but was " + value);
    }
    return value;
  }

  private static void divides(String patchName, int patch, String sideName, int side) {
    if (side % patch != 0) {
      throw new IllegalArgumentException(patchName + " " + patch + " does not divide " + sideName + " " + side
          + "; pick a patch that divides it");
    }
  }
}
