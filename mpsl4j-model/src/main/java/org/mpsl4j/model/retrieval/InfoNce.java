package org.mpsl4j.model.retrieval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The symmetric InfoNCE (CLIP) loss over a batch of paired embeddings: for B pairs, the B × B cosine
 * similarities divided by a temperature are the logits of a B-way classification in each direction (first
 * modality → second, and back), whose target is the sample's own partner; the loss is the mean of both
 * cross-entropies. Every other sample of the batch is a negative, so a batch of B gives B − 1 negatives.
 *
 * <p>The temperature is fixed ({@link #TEMPERATURE}, CLIP's initial value), not learned: the loss runs on
 * whichever side holds the batch (each client, or the server), and a fixed value keeps both placements the
 * same function with no extra parameter to synchronize.
 */
public final class InfoNce {
  /** Softmax temperature of the similarity logits. */
  public static final float TEMPERATURE = 0.07f;

  private InfoNce() {}

  /**
   * The mean symmetric InfoNCE loss (a scalar) of {@code outputs} (B, 2e), whose rows are L2-normalized
   * pairs ({@link PairEmbeddings}). Differentiable: record autograd around it to get ∂loss/∂outputs.
   */
  public static NDArray loss(NDArray outputs) {
    NDArray logits = logits(outputs);
    NDManager m = outputs.getManager();
    long b = logits.getShape().get(0);
    // Scalars as arrays, not Numbers: a Number operand on the autograd path may be freed before backward.
    NDArray eye = m.eye((int) b);
    NDArray rows = logits.logSoftmax(1).mul(eye).sum();
    NDArray cols = logits.logSoftmax(0).mul(eye).sum();
    return rows.add(cols).neg().div(m.create(2f * b));
  }

  /** The (B, B) similarity logits: first modality's row i against second modality's row j, over the temperature. */
  public static NDArray logits(NDArray outputs) {
    NDArray first = PairEmbeddings.first(outputs);
    NDArray second = PairEmbeddings.second(outputs);
    return first.matMul(second.transpose()).div(outputs.getManager().create(TEMPERATURE));
  }

  /** How many samples' first-modality embedding ranks its own partner first among the batch (in-batch top-1). */
  public static int matches(NDArray outputs) {
    return (int) ownRanksFirst(outputs).sum().getLong();
  }

  /** Per sample, 1 if its first-modality embedding ranks its own partner first among the batch, else 0. */
  public static long[] matchedRows(NDArray outputs) {
    return ownRanksFirst(outputs).toLongArray();
  }

  private static NDArray ownRanksFirst(NDArray outputs) {
    NDArray logits = logits(outputs);
    long b = logits.getShape().get(0);
    NDArray own = logits.argMax(1).toType(ai.djl.ndarray.types.DataType.INT64, false);
    NDArray index = outputs.getManager().arange(0, b, 1, ai.djl.ndarray.types.DataType.INT64);
    return own.eq(index).toType(ai.djl.ndarray.types.DataType.INT64, false);
  }
}
