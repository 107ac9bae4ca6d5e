package org.mpsl4j.model.tokenizer;

import ai.djl.ndarray.NDManager;
import java.util.Random;
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
}
