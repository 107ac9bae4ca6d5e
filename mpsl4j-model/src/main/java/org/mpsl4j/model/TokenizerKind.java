package org.mpsl4j.model;

/** The kinds of client-side modality tokenizers. */
public enum TokenizerKind {
  /** Patch-embedding conv over an image (C × H × W), plus CLS and learned positions. */
  IMAGE,
  /** Patch conv over a log-mel filterbank image (1 × mels × frames), AST-style. */
  AUDIO,
  /** Token + position (+ type) embeddings of WordPiece ids (length L). */
  TEXT,
  /** 1-D patch conv over windows of a multichannel signal (C × L). */
  SENSOR
}
