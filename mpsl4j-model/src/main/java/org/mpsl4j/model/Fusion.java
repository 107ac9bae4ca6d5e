package org.mpsl4j.model;

/** How the server combines the token sequences of several modalities. */
public enum Fusion {
  /** Concatenate all modalities' tokens and run the encoder once. */
  EARLY,
  /** Run each modality through the same encoder separately and average the pooled outputs. */
  LATE
}
