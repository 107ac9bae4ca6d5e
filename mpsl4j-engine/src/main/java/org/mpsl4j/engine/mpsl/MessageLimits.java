package org.mpsl4j.engine.mpsl;

import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.TokenizerSpec;

/**
 * The largest message an MPSL run can legitimately produce, derived from its model: a transport
 * rejects anything bigger before it is even parsed, so an oversized message costs the server no
 * memory. The largest messages are a personalized-evaluation upload (up to {@link
 * #MAX_EVAL_SAMPLES} samples of cut-layer activations) and the epoch-end tokenizer weights (as float32, or as
 * int64 in a secure-aggregation share).
 */
public final class MessageLimits {
  /** Largest local test share a client may send for personalized evaluation in one message. */
  public static final int MAX_EVAL_SAMPLES = 4096;
  /** Room for protobuf framing, names and scalars. */
  private static final long SLACK_BYTES = 1 << 20;

  private MessageLimits() {}

  /** Maximum serialized message size in bytes, in either direction. */
  public static int maxMessageBytes(ModelConfig model, int maxClientBatch) {
    int width = model.encoder().width();
    long activations = 0;
    long tokenizerWeights = 0;
    for (TokenizerSpec t : model.tokenizers()) {
      activations += (long) t.tokens() * (width + 1) * Float.BYTES; // values + mask
      // Long.BYTES: a secure-aggregation share carries each value as a 64-bit fixed-point number.
      tokenizerWeights += (long) tokenizerParameters(t, model) * Long.BYTES;
    }
    long samples = Math.max(MAX_EVAL_SAMPLES, maxClientBatch);
    long largest = Math.max(samples * activations, tokenizerWeights);
    long bytes = largest + largest / 20 + SLACK_BYTES;
    if (bytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("model " + model + " needs messages of " + bytes
          + " bytes, more than one gRPC message can carry");
    }
    return (int) bytes;
  }

  /** An upper bound of a tokenizer's parameter count: embeddings or patch projection, positions, norms. */
  private static long tokenizerParameters(TokenizerSpec t, ModelConfig model) {
    long width = model.encoder().width();
    long positions = (long) (t.tokens() + 1) * width;
    long inputs = switch (t.kind()) {
      case TEXT -> ((long) t.vocabSize() + 2 + 512) * width; // words, token types, positions
      case SENSOR -> (long) t.patchSize() * t.channels() * width + width;
      case IMAGE, AUDIO -> (long) t.patchSize() * t.patchSize() * t.channels() * width + width;
    };
    return inputs + positions + 4 * width;
  }
}
