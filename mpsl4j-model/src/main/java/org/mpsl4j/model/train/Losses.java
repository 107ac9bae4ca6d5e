package org.mpsl4j.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** Loss functions that a client computes locally, from its own labels. */
public final class Losses {
  private Losses() {}

  /**
   * Mean softmax cross-entropy of {@code logits} (B, C) against int labels (B).
   *
   * @throws IllegalArgumentException if a label is outside [0, C)
   */
  public static NDArray crossEntropy(NDArray logits, NDArray labels) {
    long classes = logits.getShape().get(1);
    if (labels.getShape().dimension() != 1 || labels.getShape().get(0) != logits.getShape().get(0)) {
      throw new IllegalArgumentException("labels must be (" + logits.getShape().get(0) + ") but are " + labels.getShape());
    }
    long min = labels.min().toType(DataType.INT64, false).getLong();
    long max = labels.max().toType(DataType.INT64, false).getLong();
    if (min < 0 || max >= classes) {
      throw new IllegalArgumentException("labels must be in [0, " + classes + ") but range over [" + min + ", " + max + "]");
    }
    NDArray oneHot = labels.toType(DataType.INT64, false).oneHot((int) classes, DataType.FLOAT32);
    NDArray count = logits.getManager().create((float) logits.getShape().get(0));
    return logits.logSoftmax(1).mul(oneHot).sum().neg().div(count);
  }

  /** Fraction of rows whose arg-max equals the label. */
  public static int correct(NDArray logits, NDArray labels) {
    return (int) logits.argMax(1).toType(DataType.INT64, false)
        .eq(labels.toType(DataType.INT64, false)).sum().toType(DataType.INT64, false).getLong();
  }
}
