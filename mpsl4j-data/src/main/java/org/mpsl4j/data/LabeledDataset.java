package org.mpsl4j.data;

import java.util.List;

/**
 * A finite, in-memory, labeled dataset of one or more inputs (modalities) per sample.
 *
 * <p>Implementations are immutable and thread-safe: several simulated clients may call {@link #batch(int[])} at once.
 * Sample indices run from 0 to {@code size() - 1}; partitions are arrays of such indices.
 */
public interface LabeledDataset {

  /** A short name such as {@code "mnist/train"}. */
  String name();

  /** The inputs every sample has, in a fixed order. */
  List<InputSpec> inputs();

  /** Class names; a label {@code c} means {@code classNames().get(c)}. */
  List<String> classNames();

  /** Number of samples. */
  int size();

  /** The class index of a sample. */
  int label(int index);

  /** Natural group of a sample (speaker, subject, ...), or -1 if the dataset has none. */
  int group(int index);

  /** Copies the rows of these samples, in this order, into a new batch. */
  Batch batch(int[] indices);

  /** Number of classes ({@code classNames().size()}). */
  default int numClasses() {
    return classNames().size();
  }

  /** The labels of all samples, in index order (a fresh array). */
  default int[] labels() {
    int[] labels = new int[size()];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = label(i);
    }
    return labels;
  }

  /** The groups of all samples, in index order (a fresh array; all -1 where the dataset has no groups). */
  default int[] groups() {
    int[] groups = new int[size()];
    for (int i = 0; i < groups.length; i++) {
      groups[i] = group(i);
    }
    return groups;
  }

  /** Number of samples per class. */
  default int[] classCounts() {
    int[] counts = new int[numClasses()];
    for (int i = 0; i < size(); i++) {
      counts[label(i)]++;
    }
    return counts;
  }
}
