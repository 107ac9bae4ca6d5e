package org.mpsl4j.model;

/**
 * The task head on the pooled encoder output.
 *
 * @param kind classification logits or a retrieval embedding
 * @param outputs number of classes, or embedding width for projection
 * @param norm whether a LayerNorm precedes the linear layer (post-LN head)
 * @param onClient whether each client runs the head (U-shaped split learning): the server then stops at the pooled
 *     representation and sends that, the client computes head and loss and returns the gradient with respect to the
 *     representation, so no logits exist on the server
 */
public record HeadConfig(Kind kind, int outputs, boolean norm, boolean onClient) {
  public enum Kind { CLASSIFICATION, PROJECTION }

  /** A head on the server. */
  public HeadConfig(Kind kind, int outputs, boolean norm) {
    this(kind, outputs, norm, false);
  }

  /** This head, run by the clients instead of the server. */
  public HeadConfig onClients() {
    return new HeadConfig(kind, outputs, norm, true);
  }

  /** As the record's, but a server-side head prints as before, so that the fingerprints of such models stay. */
  @Override
  public String toString() {
    return "HeadConfig[kind=" + kind + ", outputs=" + outputs + ", norm=" + norm + (onClient ? ", onClient=true" : "")
        + "]";
  }

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
