package org.mpsl4j.model.tokenizer;

import ai.djl.ndarray.NDManager;
import java.util.Random;
import org.mpsl4j.model.Module;
import org.mpsl4j.model.TokenizerSpec;

/** Builds the tokenizer a {@link TokenizerSpec} asks for. */
public final class Tokenizers {
  private Tokenizers() {}

  public static ModalityTokenizer create(NDManager manager, TokenizerSpec spec, int width, float eps, Random rng) {
    return switch (spec.kind()) {
      case TEXT -> new TextTokenizer(manager, spec, width, eps, rng);
      case IMAGE, AUDIO, SENSOR -> new PatchTokenizer(manager, spec, width, eps, rng);
    };
  }

  /**
   * A tokenizer with {@code base}'s current values for one more owner (in {@code manager}): text
   * embedding tables shared with {@code base} row by row ({@link org.mpsl4j.model.nn.RowDeltaTable}),
   * every other parameter an own copy. Trained the same way as {@code base}.
   */
  public static ModalityTokenizer copyOf(ModalityTokenizer base, NDManager manager, int width, float eps) {
    if (base instanceof TextTokenizer text) {
      return new TextTokenizer(manager, text, width, eps);
    }
    ModalityTokenizer copy = create(manager, base.spec(), width, eps, new Random(0));
    Module.copyParameterValues(base, copy);
    return copy;
  }
}
