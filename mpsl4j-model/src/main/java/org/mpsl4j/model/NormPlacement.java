package org.mpsl4j.model;

/** Where each encoder block normalizes. */
public enum NormPlacement {
  /** x + f(LN(x)): ViT, Meta-Transformer; a final LayerNorm follows the last block. */
  PRE,
  /** LN(x + f(x)): BERT and MiniLM; no final LayerNorm. */
  POST
}
