package org.mpsl4j.data;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Settings for loading a dataset: seed, subset size, preprocessing sizes and where the sources are.
 *
 * <p>Every setting that changes the tensors is part of the cache key (see {@link #cacheKey()}), so changing one never
 * serves stale data. Build with {@link #builder()}; {@link #defaults()} gives the project's reference settings.
 *
 * @param seed               seeds splits, subsets and pairings (default 2024, as in the MPSL reference)
 * @param maxSamplesPerSplit at most this many samples in each of train and test, chosen with the seed; 0 = all
 * @param imageSize          side of the square images; 0 = the dataset's default (28 for MNIST, 64 for OpenClipart)
 * @param melBins            mel filterbank channels of the audio spectrogram (default 40)
 * @param audioFrames        spectrogram frames per clip, 10 ms each, padded or cut (default 100 = 1 s)
 * @param textMaxLength      WordPiece tokens per text, padded or truncated, including [CLS] and [SEP] (default 32)
 * @param sensorRateHz       rate both sensor streams are resampled to (default 50 Hz)
 * @param sensorWindow       samples per sensor window (default 50 = 1 s at 50 Hz)
 * @param sensorOverlap      fraction of a window shared with the next one, in [0, 1) (default 0.5)
 * @param mnistDir           folder with the four MNIST idx files; null = {@code dataDir/mnist}, fetched by prepare
 * @param fashionMnistDir    folder with the Fashion-MNIST idx(.gz) files; null = {@code dataDir/fashion-mnist}
 * @param fsddDir            FSDD folder (holds {@code recordings/}); null = {@code dataDir/fsdd}, then
 *                           {@code ../shared/datasets/fsdd}
 * @param openclipartDir     folder of category folders of SVGs; null = {@code dataDir/openclipart}, fetched by prepare
 * @param spSwHarDir         sp-sw-har folder (holds {@code DATA/}); null = {@code dataDir/sp-sw-har}, then
 *                           {@code ../shared/datasets/sp-sw-har}
 * @param useCache           read and write preprocessed tensors under {@code dataDir/cache} (default true)
 * @param log                where progress, sources and skipped corrupt items are reported (default System.err)
 * @param progress           where the long preparation loops report how far they are (default: nowhere)
 */
public record DataOptions(long seed, int maxSamplesPerSplit, int imageSize, int melBins, int audioFrames,
    int textMaxLength, int sensorRateHz, int sensorWindow, double sensorOverlap, Path mnistDir, Path fashionMnistDir,
    Path fsddDir, Path openclipartDir, Path spSwHarDir, boolean useCache, PrintStream log, PrepareProgress progress) {

  public DataOptions {
    requireAtLeast("maxSamplesPerSplit", maxSamplesPerSplit, 0);
    requireAtLeast("imageSize", imageSize, 0);
    requireAtLeast("melBins", melBins, 1);
    requireAtLeast("audioFrames", audioFrames, 1);
    requireAtLeast("textMaxLength", textMaxLength, 3);
    requireAtLeast("sensorRateHz", sensorRateHz, 1);
    requireAtLeast("sensorWindow", sensorWindow, 2);
    if (!(sensorOverlap >= 0 && sensorOverlap < 1)) {
      throw new IllegalArgumentException("sensorOverlap must be in [0, 1) but was " + sensorOverlap);
    }
    Objects.requireNonNull(log, "log");
    Objects.requireNonNull(progress, "progress");
  }

  /** The reference settings: seed 2024, all samples, 40 mel bins x 100 frames, 32 tokens, 1 s sensor windows. */
  public static DataOptions defaults() {
    return builder().build();
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these options. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.seed = seed;
    b.maxSamplesPerSplit = maxSamplesPerSplit;
    b.imageSize = imageSize;
    b.melBins = melBins;
    b.audioFrames = audioFrames;
    b.textMaxLength = textMaxLength;
    b.sensorRateHz = sensorRateHz;
    b.sensorWindow = sensorWindow;
    b.sensorOverlap = sensorOverlap;
    b.mnistDir = mnistDir;
    b.fashionMnistDir = fashionMnistDir;
    b.fsddDir = fsddDir;
    b.openclipartDir = openclipartDir;
    b.spSwHarDir = spSwHarDir;
    b.useCache = useCache;
    b.log = log;
    b.progress = progress;
    return b;
  }

  /** Image side to use where the dataset's own default is {@code datasetDefault}. */
  public int imageSizeOr(int datasetDefault) {
    return imageSize == 0 ? datasetDefault : imageSize;
  }

  /**
   * The settings that shape the tensors, as text, for cache keys (source locations are keyed separately, by the
   * loaders, from the source files' names, sizes and modification times).
   */
  public String cacheKey() {
    return "seed=" + seed + ";max=" + maxSamplesPerSplit + ";img=" + imageSize + ";mel=" + melBins + ";frames="
        + audioFrames + ";text=" + textMaxLength + ";rate=" + sensorRateHz + ";win=" + sensorWindow + ";overlap="
        + sensorOverlap;
  }

  private static void requireAtLeast(String name, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(name + " must be >= " + min + " but was " + value);
    }
  }

  /** Collects options; every setter is optional and starts at the default. */
  public static final class Builder {
    private long seed = 2024;
    private int maxSamplesPerSplit;
    private int imageSize;
    private int melBins = 40;
    private int audioFrames = 100;
    private int textMaxLength = 32;
    private int sensorRateHz = 50;
    private int sensorWindow = 50;
    private double sensorOverlap = 0.5;
    private Path mnistDir;
    private Path fashionMnistDir;
    private Path fsddDir;
    private Path openclipartDir;
    private Path spSwHarDir;
    private boolean useCache = true;
    private PrintStream log = System.err;
    private PrepareProgress progress = PrepareProgress.NONE;

    private Builder() {
    }

    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder optMaxSamplesPerSplit(int max) {
      this.maxSamplesPerSplit = max;
      return this;
    }

    public Builder optImageSize(int size) {
      this.imageSize = size;
      return this;
    }

    public Builder optMelBins(int melBins) {
      this.melBins = melBins;
      return this;
    }

    public Builder optAudioFrames(int frames) {
      this.audioFrames = frames;
      return this;
    }

    public Builder optTextMaxLength(int maxLength) {
      this.textMaxLength = maxLength;
      return this;
    }

    public Builder optSensorRateHz(int rateHz) {
      this.sensorRateHz = rateHz;
      return this;
    }

    public Builder optSensorWindow(int samples) {
      this.sensorWindow = samples;
      return this;
    }

    public Builder optSensorOverlap(double overlap) {
      this.sensorOverlap = overlap;
      return this;
    }

    public Builder optMnistDir(Path dir) {
      this.mnistDir = dir;
      return this;
    }

    public Builder optFashionMnistDir(Path dir) {
      this.fashionMnistDir = dir;
      return this;
    }

    public Builder optFsddDir(Path dir) {
      this.fsddDir = dir;
      return this;
    }

    public Builder optOpenclipartDir(Path dir) {
      this.openclipartDir = dir;
      return this;
    }

    public Builder optSpSwHarDir(Path dir) {
      this.spSwHarDir = dir;
      return this;
    }

    public Builder optUseCache(boolean useCache) {
      this.useCache = useCache;
      return this;
    }

    public Builder optProgress(PrepareProgress progress) {
      this.progress = progress;
      return this;
    }

    public Builder optLog(PrintStream log) {
      this.log = log;
      return this;
    }

    /** Validates and builds; a bad value fails with its name and the value given. */
    public DataOptions build() {
      return new DataOptions(seed, maxSamplesPerSplit, imageSize, melBins, audioFrames, textMaxLength, sensorRateHz,
          sensorWindow, sensorOverlap, mnistDir, fashionMnistDir, fsddDir, openclipartDir, spSwHarDir, useCache, log,
          progress);
    }
  }
}
