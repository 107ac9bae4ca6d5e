package org.mpsl4j.model;

import java.util.Arrays;

/**
 * The client-side tokenizer of one named input.
 *
 * @param input the dataset input it reads, e.g. {@code image} or {@code watch}
 * @param kind which tokenizer
 * @param inputShape one sample's shape: IMAGE (C, H, W), AUDIO (1, mels, frames), TEXT (L),
 *     SENSOR (C, L)
 * @param patchSize patch side (IMAGE, AUDIO) or length (SENSOR); unused for TEXT
 * @param vocabSize vocabulary size for TEXT; unused otherwise
 */
public record TokenizerSpec(String input, TokenizerKind kind, int[] inputShape, int patchSize, int vocabSize) {

  public TokenizerSpec {
    inputShape = inputShape.clone();
    int expectedRank = switch (kind) {
      case IMAGE, AUDIO -> 3;
      case TEXT -> 1;
      case SENSOR -> 2;
    };
    if (inputShape.length != expectedRank) {
      throw new IllegalArgumentException(kind + " input '" + input + "' needs a rank-" + expectedRank
          + " sample shape but got " + Arrays.toString(inputShape));
    }
    switch (kind) {
      case IMAGE, AUDIO -> {
        if (patchSize <= 0 || inputShape[1] % patchSize != 0 || inputShape[2] % patchSize != 0) {
          throw new IllegalArgumentException(kind + " input '" + input + "' of shape " + Arrays.toString(inputShape)
              + " is not divisible into patches of " + patchSize);
        }
      }
      case SENSOR -> {
        if (patchSize <= 0 || inputShape[1] % patchSize != 0) {
          throw new IllegalArgumentException("SENSOR input '" + input + "' of length " + inputShape[1]
              + " is not divisible into patches of " + patchSize);
        }
      }
      case TEXT -> {
        if (vocabSize <= 0) {
          throw new IllegalArgumentException("TEXT input '" + input + "' needs vocabSize > 0 but was " + vocabSize);
        }
      }
    }
  }

  public static TokenizerSpec image(String input, int channels, int height, int width, int patch) {
    return new TokenizerSpec(input, TokenizerKind.IMAGE, new int[] {channels, height, width}, patch, 0);
  }

  public static TokenizerSpec audio(String input, int mels, int frames, int patch) {
    return new TokenizerSpec(input, TokenizerKind.AUDIO, new int[] {1, mels, frames}, patch, 0);
  }

  public static TokenizerSpec text(String input, int maxLength, int vocabSize) {
    return new TokenizerSpec(input, TokenizerKind.TEXT, new int[] {maxLength}, 0, vocabSize);
  }

  public static TokenizerSpec sensor(String input, int channels, int length, int patch) {
    return new TokenizerSpec(input, TokenizerKind.SENSOR, new int[] {channels, length}, patch, 0);
  }

  /** Number of patches (tokens without CLS) for the patch tokenizers; L for TEXT. */
  public int patches() {
    return switch (kind) {
      case IMAGE, AUDIO -> (inputShape[1] / patchSize) * (inputShape[2] / patchSize);
      case SENSOR -> inputShape[1] / patchSize;
      case TEXT -> inputShape[0];
    };
  }

  /** Tokens this tokenizer emits per sample, CLS included (TEXT ids carry their own [CLS]). */
  public int tokens() {
    return kind == TokenizerKind.TEXT ? patches() : patches() + 1;
  }

  /** Input channels of the patch conv (IMAGE, AUDIO, SENSOR). */
  public int channels() {
    return kind == TokenizerKind.TEXT ? 0 : inputShape[0];
  }

  @Override
  public int[] inputShape() {
    return inputShape.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TokenizerSpec t && t.input.equals(input) && t.kind == kind
        && Arrays.equals(t.inputShape, inputShape) && t.patchSize == patchSize && t.vocabSize == vocabSize;
  }

  @Override
  public int hashCode() {
    return input.hashCode() * 31 + Arrays.hashCode(inputShape);
  }

  @Override
  public String toString() {
    return kind + " '" + input + "' " + Arrays.toString(inputShape)
        + (kind == TokenizerKind.TEXT ? " vocab " + vocabSize : " patch " + patchSize) + " → " + tokens() + " tokens";
  }
}
