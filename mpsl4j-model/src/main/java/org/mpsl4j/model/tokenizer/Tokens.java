package org.mpsl4j.model.tokenizer;

import ai.djl.ndarray.NDArray;

/**
 * A batch of token sequences: {@code values} is (B, T, d); {@code mask} is (B, T) with 1 for real
 * tokens and 0 for padding, or null when every token is real. The mask says nothing about labels;
 * the server needs it to keep padding out of attention and pooling.
 */
public record Tokens(NDArray values, NDArray mask) {
  public long batch() {
    return values.getShape().get(0);
  }

  public long length() {
    return values.getShape().get(1);
  }
}
