package org.mpsl4j.model.tokenizer;

import ai.djl.ndarray.NDArray;
import java.util.Arrays;
import org.mpsl4j.model.Module;
import org.mpsl4j.model.TokenizerSpec;

/**
 * Turns one modality's raw batch into tokens of the encoder width. {@link #forward} checks the
 * input shape against the spec and then runs {@link #tokenize}; subclasses cannot skip the check.
 */
public abstract class ModalityTokenizer extends Module {
  private final TokenizerSpec spec;

  protected ModalityTokenizer(TokenizerSpec spec) {
    this.spec = spec;
  }

  public final TokenizerSpec spec() {
    return spec;
  }

  /**
   * @param input (B, *spec.inputShape): float32, or int64 token ids for TEXT
   * @param paddingMask (B, L) for TEXT, null otherwise
   */
  public final Tokens forward(NDArray input, NDArray paddingMask) {
    long[] shape = input.getShape().getShape();
    int[] expected = spec.inputShape();
    boolean ok = shape.length == expected.length + 1;
    for (int i = 0; ok && i < expected.length; i++) {
      ok = shape[i + 1] == expected[i];
    }
    if (!ok) {
      throw new IllegalArgumentException("tokenizer for '" + spec.input() + "' expects (B, "
          + Arrays.toString(expected).replaceAll("[\\[\\]]", "") + ") but got " + input.getShape());
    }
    return tokenize(input, paddingMask);
  }

  protected abstract Tokens tokenize(NDArray input, NDArray paddingMask);
}
