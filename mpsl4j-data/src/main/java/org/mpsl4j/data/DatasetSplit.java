package org.mpsl4j.data;

import java.util.Objects;

/**
 * The train and test halves of a dataset. Both have the same inputs and class names; no sample (and, where the
 * dataset has natural groups such as subjects, no group) is in both, unless a dataset's documentation says otherwise.
 */
public record DatasetSplit(LabeledDataset train, LabeledDataset test) {
  public DatasetSplit {
    Objects.requireNonNull(train, "train");
    Objects.requireNonNull(test, "test");
  }
}
