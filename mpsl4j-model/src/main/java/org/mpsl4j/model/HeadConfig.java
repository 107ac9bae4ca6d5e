package org.mpsl4j.model;

/**
 * The task head on the pooled encoder output.
 *
 * @param kind classification logits or a retrieval embedding
 * @param outputs number of classes, or embedding width for projection
 * @param norm whether a LayerNorm precedes the linear layer (post-LN head)
 * @param placement who runs the head: the server, or each client (U-shaped split learning: the server then stops at
 *     the pooled representation and sends that, the client computes head and loss and returns the gradient with
 *     respect to the representation, so no logits exist on the server)
 */
public record HeadConfig(Kind kind, int outputs, boolean norm, Placement placement) {
  public enum Kind { CLASSIFICATION, PROJECTION }

  /**
   * Where the head runs. CLIENT trains each client's head and averages the heads with the tokenizers at epoch end;
   * CLIENT_FIXED keeps the clients' common initial head untrained ("Fix your classifier", Hoffer et al. 2018), so
   * every client has the same one and the encoder learns to feed it.
   */
  public enum Placement { SERVER, CLIENT, CLIENT_FIXED }

  /** A head on the server. */
  public HeadConfig(Kind kind, int outputs, boolean norm) {
    this(kind, outputs, norm, Placement.SERVER);
  }

  public HeadConfig {
    java.util.Objects.requireNonNull(placement, "placement");
    if (outputs <= 0) {
      throw new IllegalArgumentException("head outputs must be > 0 but was " + outputs);
    }
  }

  /** Whether the clients run the head. */
  public boolean onClient() {
    return placement != Placement.SERVER;
  }

  /** This head, run by the clients ({@link Placement#CLIENT} or {@link Placement#CLIENT_FIXED}). */
  public HeadConfig placed(Placement where) {
    return new HeadConfig(kind, outputs, norm, where);
  }

  /** This head, trained by the clients instead of the server. */
  public HeadConfig onClients() {
    return placed(Placement.CLIENT);
  }

  /** As the record's, but a server-side head prints as before, so that the fingerprints of such models stay. */
  @Override
  public String toString() {
    return "HeadConfig[kind=" + kind + ", outputs=" + outputs + ", norm=" + norm
        + (placement == Placement.SERVER ? "" : ", placement=" + placement) + "]";
  }


  public static HeadConfig classification(int classes) {
    return new HeadConfig(Kind.CLASSIFICATION, classes, true);
  }

  public static HeadConfig projection(int embeddingWidth) {
    return new HeadConfig(Kind.PROJECTION, embeddingWidth, true);
  }
}
