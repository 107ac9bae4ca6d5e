package org.mpsl4j.model.retrieval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import java.util.List;

/**
 * How a retrieval model's output carries both embeddings of a sample: one row (B, 2·e), the first
 * modality's embedding in columns [0, e), the second's in [e, 2e). Keeping a sample's pair in one row lets
 * the split protocol slice, send and check retrieval outputs exactly like logits, and lets whoever holds a
 * batch of rows compute the contrastive loss over it.
 */
public final class PairEmbeddings {
  private PairEmbeddings() {}

  /** Joins the two modalities' (B, e) embeddings into (B, 2e). */
  public static NDArray join(List<NDArray> embeddings) {
    if (embeddings.size() != 2) {
      throw new IllegalArgumentException("retrieval pairs two modalities but got " + embeddings.size() + " embeddings");
    }
    return NDArrays.concat(new NDList(embeddings.get(0), embeddings.get(1)), 1);
  }

  /** The first modality's embeddings (B, e) of {@code outputs} (B, 2e). */
  public static NDArray first(NDArray outputs) {
    return outputs.get(new NDIndex(":, :{}", width(outputs)));
  }

  /** The second modality's embeddings (B, e) of {@code outputs} (B, 2e). */
  public static NDArray second(NDArray outputs) {
    return outputs.get(new NDIndex(":, {}:", width(outputs)));
  }

  private static long width(NDArray outputs) {
    long cols = outputs.getShape().get(1);
    if (outputs.getShape().dimension() != 2 || cols % 2 != 0) {
      throw new IllegalArgumentException("retrieval outputs must be (B, 2e) but are " + outputs.getShape());
    }
    return cols / 2;
  }
}
