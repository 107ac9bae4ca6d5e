package org.mpsl4j.data.retrieval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.mpsl4j.data.ArrayDataset;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.InputBatch;
import org.mpsl4j.data.InputSpec;
import org.mpsl4j.data.LabeledDataset;

/**
 * Keeps one image–text pair per distinct text, for retrieval: where several samples share a caption (OpenClipart:
 * 1,375 of its 7,458 files are titled "gramastar. stars, shapes, magick, geometry", 59 % share their text with
 * another file), no model can tell which picture a caption belongs to. Such pairs make every Recall@1 query on them
 * a miss by construction (the caption embeddings are identical, a tie counts against the partner), and in training
 * they are negatives that are really positives. Texts count as equal when their token ids are equal, i.e. what the
 * model sees after tokenization and truncation.
 */
public final class DistinctTexts {
  private DistinctTexts() {}

  /**
   * The samples of {@code data} whose text input differs from every earlier sample's, in their order.
   *
   * @throws IllegalArgumentException if the dataset has no text input, or cannot be subset (not an
   *     {@link ArrayDataset})
   */
  public static ArrayDataset of(LabeledDataset data) {
    return array(data).subset(data.name(), firstOfEachText(data));
  }

  /**
   * Both sides of {@code split} with distinct texts ({@link #of(LabeledDataset)}), then at most {@code maxPerSplit}
   * pairs of each chosen with {@code seed} ({@link ArrayDataset#limit}; 0 = all): the limit counts usable pairs.
   */
  public static DatasetSplit of(DatasetSplit split, int maxPerSplit, long seed) {
    return new DatasetSplit(of(split.train()).limit(maxPerSplit, seed), of(split.test()).limit(maxPerSplit, seed));
  }

  /**
   * The pairs retrieval trains and tests on: {@link #of(DatasetSplit, int, long)} where the data has a text input,
   * otherwise (e.g. audio–picture pairs, no captions to compare) just at most {@code maxPerSplit} of each side.
   */
  public static DatasetSplit usablePairs(DatasetSplit split, int maxPerSplit, long seed) {
    if (hasText(split.train())) {
      return of(split, maxPerSplit, seed);
    }
    return new DatasetSplit(array(split.train()).limit(maxPerSplit, seed), array(split.test()).limit(maxPerSplit, seed));
  }

  /** Whether {@code data} has a text input whose captions can be compared. */
  public static boolean hasText(LabeledDataset data) {
    return data.inputs().stream().anyMatch(InputSpec::isTokenIds);
  }

  private static ArrayDataset array(LabeledDataset data) {
    if (!(data instanceof ArrayDataset array)) {
      throw new IllegalArgumentException("cannot pick pairs of " + data.name() + ": not an in-memory dataset");
    }
    return array;
  }

  /** Indices of the first sample of each distinct text, ascending. */
  public static int[] firstOfEachText(LabeledDataset data) {
    InputSpec text = data.inputs().stream().filter(InputSpec::isTokenIds).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("cannot keep distinct texts of " + data.name()
            + ": it has no text input (inputs: " + data.inputs().stream().map(InputSpec::name).toList() + ")"));
    int row = text.sampleSize();
    Set<List<Long>> seen = new HashSet<>();
    List<Integer> kept = new ArrayList<>();
    int chunk = 1024; // rows copied per batch: bounded memory for any dataset size
    for (int start = 0; start < data.size(); start += chunk) {
      int n = Math.min(chunk, data.size() - start);
      int first = start;
      int[] idx = new int[n];
      Arrays.setAll(idx, i -> first + i);
      InputBatch ids = data.batch(idx).inputs().get(text.name());
      for (int i = 0; i < n; i++) {
        long[] tokens = Arrays.copyOfRange(ids.ids(), i * row, (i + 1) * row);
        if (seen.add(Arrays.stream(tokens).boxed().toList())) {
          kept.add(start + i);
        }
      }
    }
    return kept.stream().mapToInt(Integer::intValue).toArray();
  }
}
