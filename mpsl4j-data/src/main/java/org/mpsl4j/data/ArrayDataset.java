package org.mpsl4j.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/**
 * The in-memory {@link LabeledDataset} every loader produces: one {@link Column} per input, labels and optional
 * natural groups. It is immutable, so it is safe to share between simulated clients and threads.
 */
public final class ArrayDataset implements LabeledDataset {

  private final String name;
  private final List<String> classNames;
  private final List<Column> columns;
  private final List<InputSpec> inputs;
  private final int[] labels;
  private final int[] groups;
  private final List<String> groupNames;

  /**
   * @param name       e.g. {@code "mnist/train"}
   * @param classNames names of the classes, indexed by label
   * @param columns    one column per input, in input order, each with {@code labels.length} samples
   * @param labels     class index per sample
   * @param groups     natural group per sample (values index {@code groupNames}), or null if there are none
   * @param groupNames names of the groups (e.g. speakers), empty if there are none
   */
  public ArrayDataset(String name, List<String> classNames, List<Column> columns, int[] labels, int[] groups,
      List<String> groupNames) {
    this.name = Objects.requireNonNull(name, "name");
    this.classNames = List.copyOf(classNames);
    this.columns = List.copyOf(columns);
    this.labels = labels.clone();
    this.groups = groups == null ? null : groups.clone();
    this.groupNames = List.copyOf(groupNames);
    if ((groups == null) != this.groupNames.isEmpty()) {
      throw new IllegalArgumentException(name + ": give both groups and group names, or neither");
    }
    List<InputSpec> specs = new ArrayList<>();
    for (Column c : this.columns) {
      if (c.size() != labels.length) {
        throw new IllegalArgumentException(name + ": input '" + c.spec().name() + "' has " + c.size()
            + " samples but there are " + labels.length + " labels");
      }
      if (specs.stream().anyMatch(s -> s.name().equals(c.spec().name()))) {
        throw new IllegalArgumentException(name + ": input name '" + c.spec().name() + "' is used twice");
      }
      specs.add(c.spec());
    }
    this.inputs = List.copyOf(specs);
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= this.classNames.size()) {
        throw new IllegalArgumentException(name + ": sample " + i + " has label " + labels[i]
            + " outside 0.." + (this.classNames.size() - 1));
      }
    }
    if (this.groups != null) {
      if (this.groups.length != labels.length) {
        throw new IllegalArgumentException(name + ": " + this.groups.length + " groups for " + labels.length
            + " samples");
      }
      for (int g : this.groups) {
        if (g < 0 || g >= this.groupNames.size()) {
          throw new IllegalArgumentException(name + ": group " + g + " outside 0.." + (this.groupNames.size() - 1));
        }
      }
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public List<InputSpec> inputs() {
    return inputs;
  }

  @Override
  public List<String> classNames() {
    return classNames;
  }

  @Override
  public int size() {
    return labels.length;
  }

  @Override
  public int label(int index) {
    return labels[index];
  }

  @Override
  public int group(int index) {
    Objects.checkIndex(index, labels.length);
    return groups == null ? -1 : groups[index];
  }

  /** Names of the natural groups (speakers, subjects), indexed by {@link #group(int)}; empty if there are none. */
  public List<String> groupNames() {
    return groupNames;
  }

  /** The stored columns, in input order (used by the cache). */
  public List<Column> columns() {
    return columns;
  }

  @Override
  public Batch batch(int[] indices) {
    Map<String, InputBatch> out = new LinkedHashMap<>();
    for (Column c : columns) {
      out.put(c.spec().name(), c.rows(indices));
    }
    int[] batchLabels = new int[indices.length];
    for (int i = 0; i < indices.length; i++) {
      batchLabels[i] = labels[indices[i]];
    }
    return new Batch(out, batchLabels);
  }

  /** A new dataset of these samples, in this order (values are copied; the base of an indexed column is shared). */
  public ArrayDataset subset(String newName, int[] indices) {
    List<Column> picked = new ArrayList<>();
    for (Column c : columns) {
      if (c instanceof Column.Floats f) {
        picked.add(new Column.Floats(f.spec(), f.rows(indices).floats()));
      } else if (c instanceof Column.Bytes b) {
        picked.add(new Column.Bytes(b.spec(), pickBytes(b, indices), b.mean(), b.std()));
      } else if (c instanceof Column.Tokens t) {
        InputBatch rows = t.rows(indices);
        picked.add(new Column.Tokens(t.spec(), rows.ids(), rows.attentionMask()));
      } else if (c instanceof Column.Indexed x) {
        int[] rowOf = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
          rowOf[i] = x.rowOf()[indices[i]];
        }
        picked.add(new Column.Indexed(x.base(), rowOf));
      }
    }
    int[] newLabels = new int[indices.length];
    int[] newGroups = groups == null ? null : new int[indices.length];
    for (int i = 0; i < indices.length; i++) {
      newLabels[i] = labels[indices[i]];
      if (newGroups != null) {
        newGroups[i] = groups[indices[i]];
      }
    }
    return new ArrayDataset(newName, classNames, picked, newLabels, newGroups, groupNames);
  }

  /**
   * At most {@code max} samples chosen at random with this seed, kept in their original order; the dataset itself if
   * {@code max <= 0} or it is not larger than {@code max}.
   */
  public ArrayDataset limit(int max, long seed) {
    if (max <= 0 || max >= size()) {
      return this;
    }
    return subset(name, sampleIndices(size(), max, seed));
  }

  /** {@code k} distinct indices out of {@code 0..n-1}, chosen with this seed, sorted ascending. */
  public static int[] sampleIndices(int n, int k, long seed) {
    int[] all = new int[n];
    for (int i = 0; i < n; i++) {
      all[i] = i;
    }
    Random random = new Random(seed);
    for (int i = 0; i < k; i++) {
      int j = i + random.nextInt(n - i);
      int t = all[i];
      all[i] = all[j];
      all[j] = t;
    }
    int[] picked = Arrays.copyOf(all, k);
    Arrays.sort(picked);
    return picked;
  }

  private static byte[] pickBytes(Column.Bytes b, int[] indices) {
    int row = b.spec().sampleSize();
    byte[] out = new byte[indices.length * row];
    for (int i = 0; i < indices.length; i++) {
      System.arraycopy(b.values(), indices[i] * row, out, i * row, row);
    }
    return out;
  }

  @Override
  public String toString() {
    return name + " " + inputs + " " + size() + " samples, " + classNames.size() + " classes";
  }
}
