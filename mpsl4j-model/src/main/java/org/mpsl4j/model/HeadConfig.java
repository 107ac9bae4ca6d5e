package org.mpsl4j.model;

/**
 * The task head on the pooled encoder output.
 *
 * @param kind classification logits or a retrieval embedding
 * @param outputs number of classes, or embedding width for projection
 * @param norm whether a LayerNorm precedes the linear layer (post-LN head)
 */
public record HeadConfig(Kind kind, int outputs, boolean norm) {
  public enum Kind { CLASSIFICATION, PROJECTION }

  public HeadConfig {
    if (outputs <= 0) {
      throw new IllegalArgumentException("head outputs must be > 0 but was " + outputs);
    }
  }

  public static HeadConfig classification(int classes) {
    return new HeadConfig(Kind.CLASSIFICATION, classes, true);
  }

  public static HeadConfig projection(int embeddingWidth) {
    return new HeadConfig(Kind.PROJECTION, embeddingWidth, true);
  }
}
