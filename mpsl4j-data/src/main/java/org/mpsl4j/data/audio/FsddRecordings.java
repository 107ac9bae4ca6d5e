package org.mpsl4j.data.audio;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.mpsl4j.data.CorruptDataException;

/**
 * The recordings of the Free Spoken Digit Dataset: {@code recordings/{digit}_{speaker}_{take}.wav}, 8 kHz mono
 * 16-bit PCM, 6 speakers x 10 digits x 50 takes. The official split puts takes 0-4 in the test set and 5-49 in the
 * training set, so both halves have every speaker (FSDD has too few speakers for a speaker-disjoint split).
 *
 * <p>Listing is cheap; {@link #features} decodes and transforms the recordings, skipping corrupt ones.
 */
public final class FsddRecordings {

  private static final Pattern NAME = Pattern.compile("([0-9])_([A-Za-z]+)_([0-9]+)\\.wav");

  /** Takes below this number form the official test set. */
  public static final int FIRST_TRAIN_TAKE = 5;

  /**
   * One recording.
   *
   * @param file    the wav file
   * @param digit   the spoken digit, 0-9
   * @param speaker the speaker's name
   * @param take    the take number
   */
  public record Recording(Path file, int digit, String speaker, int take) {
    /** Whether the official split puts it in the test set. */
    public boolean isTest() {
      return take < FIRST_TRAIN_TAKE;
    }
  }

  /**
   * Recordings and the files that were left out.
   *
   * @param recordings the usable recordings, sorted by file name
   * @param skipped    one line per left-out file: its name and the problem
   */
  public record Listing(List<Recording> recordings, List<String> skipped) {
    /** Sorted speaker names. */
    public List<String> speakers() {
      TreeSet<String> names = new TreeSet<>();
      for (Recording r : recordings) {
        names.add(r.speaker());
      }
      return List.copyOf(names);
    }
  }

  private FsddRecordings() {
  }

  /** Lists {@code dir/recordings/*.wav}; a wav whose name does not follow the pattern is skipped and reported. */
  public static Listing list(Path dir) {
    Path recordings = dir.resolve("recordings");
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(recordings, "*.wav")) {
      stream.forEach(files::add);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + recordings + ": " + e.getMessage(), e);
    }
    files.sort(null);
    List<Recording> out = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    for (Path f : files) {
      Matcher m = NAME.matcher(f.getFileName().toString());
      if (!m.matches()) {
        skipped.add(f + ": name is not {digit}_{speaker}_{take}.wav");
        continue;
      }
      out.add(new Recording(f, Integer.parseInt(m.group(1)), m.group(2), Integer.parseInt(m.group(3))));
    }
    return new Listing(out, skipped);
  }

  /**
   * Decoded features of some recordings.
   *
   * @param recordings the recordings that decoded, in input order
   * @param features   their log-mel features, {@code melBins x frames} each, row-major, in the same order
   * @param skipped    one line per corrupt recording: file and problem
   */
  public record Features(List<Recording> recordings, float[] features, List<String> skipped) {
  }

  /** Reads and transforms the recordings; corrupt ones (truncated, wrong format) are skipped and listed. */
  public static Features features(List<Recording> recordings, LogMel logMel, int rowSize) {
    return features(recordings, logMel, rowSize, org.mpsl4j.data.PrepareProgress.Task.NONE);
  }

  /** As above, reporting each decoded file to {@code task} (from the decoding threads). */
  public static Features features(List<Recording> recordings, LogMel logMel, int rowSize,
      org.mpsl4j.data.PrepareProgress.Task task) {
    List<Recording> ok = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    float[][] rows = new float[recordings.size()][];
    // Decoding is independent per file; a parallel stream uses the common pool (bounded by the core count).
    IntStream.range(0, recordings.size()).parallel().forEach(i -> {
      try {
        rows[i] = logMel.apply(WavFile.readMono16(recordings.get(i).file(), LogMel.SAMPLE_RATE));
      } catch (CorruptDataException e) {
        rows[i] = null;
        synchronized (skipped) {
          skipped.add(e.getMessage());
        }
      }
      task.step();
    });
    int count = 0;
    for (float[] r : rows) {
      count += r == null ? 0 : 1;
    }
    float[] out = new float[count * rowSize];
    int at = 0;
    for (int i = 0; i < rows.length; i++) {
      if (rows[i] != null) {
        System.arraycopy(rows[i], 0, out, at * rowSize, rowSize);
        ok.add(recordings.get(i));
        at++;
      }
    }
    skipped.sort(null);
    return new Features(ok, out, skipped);
  }
}
