package org.mpsl4j.model.retrieval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The symmetric InfoNCE (CLIP) loss over a batch of paired embeddings: for B pairs, the B × B dot products of
 * the first modality's embeddings with the second's are the logits of a B-way classification in each
 * direction (first modality → second, and back), whose target is the sample's own partner; the loss is the
 * mean of both cross-entropies. Every other sample of the batch is a negative, so a batch of B gives B − 1
 * negatives.
 *
 * <p>The embeddings carry the inverse temperature: a projection head outputs unit vectors times √s with s
 * learned ({@link org.mpsl4j.model.head.TaskHead}), so a dot product is s · cosine, CLIP's logit. The loss
 * itself has no parameter, so it runs unchanged on whichever side holds the batch (each client, or the
 * server), and s is trained through the outputs' gradient in both placements.
 */
public final class InfoNce {
  /** The temperature 1/s a projection head starts from (CLIP's initial value). */
  public static final float INITIAL_TEMPERATURE = 0.07f;
  /** The largest s a projection head applies (CLIP's clamp). */
  public static final float MAX_LOGIT_SCALE = 100f;

  private InfoNce() {}

  /**
   * The mean symmetric InfoNCE loss (a scalar) of {@code outputs} (B, 2e), whose rows are pairs
   * ({@link PairEmbeddings}) of a projection head's scaled unit embeddings. Differentiable: record autograd around it to get ∂loss/∂outputs.
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

  /** The (B, B) logits: first modality's row i dotted with second modality's row j (s · cosine for a head's outputs). */
  public static NDArray logits(NDArray outputs) {
    NDArray first = PairEmbeddings.first(outputs);
    NDArray second = PairEmbeddings.second(outputs);
    return first.matMul(second.transpose());
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
