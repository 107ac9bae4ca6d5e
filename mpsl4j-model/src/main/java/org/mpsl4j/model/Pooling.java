package org.mpsl4j.model;

/** How an encoded token sequence becomes one vector per sample. */
public enum Pooling {
  /** The output at each modality's first token (its CLS), averaged over modalities. */
  CLS,
  /** The mean over all non-padding tokens. */
  MEAN
}
