package org.mpsl4j.model.macs;

import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.Fusion;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.TokenizerSpec;

/**
 * Counts multiply-accumulates per sample from a {@link ModelConfig}, without building the model.
 *
 * <p>Convention (as fvcore and the MPSL paper): only matrix products and convolutions count.
 * Embedding lookups, LayerNorm, GELU, softmax, additions and positional embeddings count zero, so a
 * TEXT tokenizer costs 0 MACs.
 *
 * <ul>
 *   <li>Patch conv: patches · d · C · p² (2-D) or patches · d · C · p (1-D).
 *   <li>Encoder block on T tokens with width d and MLP hidden h: qkv T·d·3d, QKᵀ T²·d, attention·V
 *       T²·d, output projection T·d², MLP 2·T·d·h.
 *   <li>Head: d · outputs.
 *   <li>Below a deeper cut ({@link ModelConfig#clientBlocks()}), the client's blocks on each modality's tokens, forward
 *       and (trained) backward, count for the client; the server's encoder is the rest.
 * </ul>
 *
 * <p>Backward: a layer with weights costs its forward MACs once for the weight gradient if it is
 * trained, and once more for the input gradient if anything trained lies below it (inside the
 * lowest trained block, every layer but {@code qkv} has trained layers below it). A weight-free
 * product (QKᵀ, attention·V) costs twice its forward when the input gradient is needed (one product
 * per operand). With trained tokenizers (as in MPSL) every encoder layer passes gradients down, even
 * a frozen one.
 */
public final class MacCounter {
  private MacCounter() {}

  /** The report for training with trained client tokenizers (MPSL, centralized, FedAvg). */
  public static MacReport count(ModelConfig config) {
    return count(config, true);
  }

  /**
   * @param tokenizersTrained false when the tokenizers are frozen (then frozen encoder blocks at the
   *     bottom need no backward at all)
   */
  public static MacReport count(ModelConfig config, boolean tokenizersTrained) {
    EncoderConfig enc = config.encoder();
    long clientFwd = 0;
    for (TokenizerSpec t : config.tokenizers()) {
      clientFwd += tokenizerForward(t, enc.width());
    }
    long clientBwd = tokenizersTrained ? clientFwd : 0;
    // Below a deeper cut each client runs (and trains) the first blocks on each modality's tokens on its own.
    for (TokenizerSpec t : config.tokenizers()) {
      long lin = (long) config.clientBlocks() * blockLinear(enc, t.tokens());
      long att = (long) config.clientBlocks() * blockAttention(enc, t.tokens());
      clientFwd += lin + att;
      clientBwd += 2 * lin + 2 * att; // weight and input gradients (trained tokenizers lie below)
    }

    EncoderConfig server = config.serverEncoder();
    int frozen = server.depth() - config.serverTrainableBlocks();
    long serverFwd = 0;
    long serverBwd = 0;
    if (config.fusion() == Fusion.EARLY) {
      long[] fb = encoder(server, config.encoderTokens(), frozen, tokenizersTrained);
      serverFwd += fb[0];
      serverBwd += fb[1];
    } else {
      for (TokenizerSpec t : config.tokenizers()) {
        long[] fb = encoder(server, t.tokens(), frozen, tokenizersTrained);
        serverFwd += fb[0];
        serverBwd += fb[1];
      }
    }
    // A retrieval (projection) head embeds each modality's pooled output on its own.
    long heads = config.head().kind() == org.mpsl4j.model.HeadConfig.Kind.PROJECTION ? config.tokenizers().size() : 1;
    long head = heads * enc.width() * config.head().outputs();
    boolean anythingTrainedBelowHead = tokenizersTrained || config.trainableBlocks() > 0;
    if (config.head().onClient()) { // U-shaped: the clients run the head and return the representation's gradient
      clientFwd += head;
      boolean trained = config.head().placement() == org.mpsl4j.model.HeadConfig.Placement.CLIENT;
      clientBwd += trained ? 2 * head : head; // a fixed head needs no weight gradient
    } else {
      serverFwd += head;
      serverBwd += head + (anythingTrainedBelowHead ? head : 0);
    }
    return new MacReport(clientFwd, clientBwd, serverFwd, serverBwd);
  }

  /** Forward MACs per sample of one tokenizer. */
  public static long tokenizerForward(TokenizerSpec t, int width) {
    return switch (t.kind()) {
      case IMAGE, AUDIO -> (long) t.patches() * width * t.channels() * t.patchSize() * t.patchSize();
      case SENSOR -> (long) t.patches() * width * t.channels() * t.patchSize();
      case TEXT -> 0L;
    };
  }

  /** Weighted (linear) MACs of one block on T tokens. */
  public static long blockLinear(EncoderConfig enc, long tokens) {
    long d = enc.width();
    return tokens * (3 * d * d + d * d + 2 * d * enc.mlpHidden());
  }

  /** Weight-free attention MACs (QKᵀ and attention·V) of one block on T tokens. */
  public static long blockAttention(EncoderConfig enc, long tokens) {
    return 2 * tokens * tokens * enc.width();
  }

  private static long[] encoder(EncoderConfig enc, long tokens, int frozenBlocks, boolean tokenizersTrained) {
    long lin = blockLinear(enc, tokens);
    long att = blockAttention(enc, tokens);
    long qkv = tokens * 3L * enc.width() * enc.width();
    long fwd = 0;
    long bwd = 0;
    for (int i = 0; i < enc.depth(); i++) {
      boolean trained = i >= frozenBlocks;
      boolean gradientFromBelowNeeded = tokenizersTrained || i > frozenBlocks;
      fwd += lin + att;
      if (gradientFromBelowNeeded) {
        bwd += (trained ? lin : 0) + lin + 2 * att;
      } else if (trained) {
        // The lowest trained block: every layer but qkv must pass gradients on to the trained layers
        // under it inside the block; qkv itself has nothing trained below.
        bwd += lin + (lin - qkv) + 2 * att;
      }
    }
    return new long[] {fwd, bwd};
  }
}
