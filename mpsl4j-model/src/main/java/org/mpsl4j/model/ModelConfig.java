package org.mpsl4j.model;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import org.mpsl4j.model.pretrained.EncoderSource;
import java.util.Set;

/**
 * Everything needed to build both halves of a multimodal model: the client tokenizers, the server
 * encoder, fusion, pooling, the head, which encoder blocks are fine-tuned, and where the encoder (and a
 * text tokenizer) take their starting weights from.
 *
 * <p>Build with {@link #builder()}; {@code setX} values are required, {@code optX} have defaults.
 */
public record ModelConfig(
    List<TokenizerSpec> tokenizers,
    EncoderConfig encoder,
    Fusion fusion,
    Pooling pooling,
    HeadConfig head,
    int trainableBlocks,
    EncoderSource weights,
    boolean frozenWordEmbeddings,
    int clientBlocks) {

  /** As below, with the cut right after the tokenizers ({@code clientBlocks} 0). */
  public ModelConfig(List<TokenizerSpec> tokenizers, EncoderConfig encoder, Fusion fusion, Pooling pooling,
      HeadConfig head, int trainableBlocks, EncoderSource weights, boolean frozenWordEmbeddings) {
    this(tokenizers, encoder, fusion, pooling, head, trainableBlocks, weights, frozenWordEmbeddings, 0);
  }

  /**
   * As below, with every client parameter trained ({@code frozenWordEmbeddings} false).
   */
  public ModelConfig(List<TokenizerSpec> tokenizers, EncoderConfig encoder, Fusion fusion, Pooling pooling,
      HeadConfig head, int trainableBlocks, EncoderSource weights) {
    this(tokenizers, encoder, fusion, pooling, head, trainableBlocks, weights, false);
  }

  /** A model whose encoder starts from its seeded random initialization. */
  public ModelConfig(List<TokenizerSpec> tokenizers, EncoderConfig encoder, Fusion fusion, Pooling pooling,
      HeadConfig head, int trainableBlocks) {
    this(tokenizers, encoder, fusion, pooling, head, trainableBlocks, new EncoderSource.Scratch());
  }

  public ModelConfig {
    tokenizers = List.copyOf(tokenizers);
    Objects.requireNonNull(encoder, "encoder");
    Objects.requireNonNull(fusion, "fusion");
    Objects.requireNonNull(pooling, "pooling");
    Objects.requireNonNull(head, "head");
    Objects.requireNonNull(weights, "weights");
    if (!weights.config(encoder).equals(encoder)) {
      throw new IllegalArgumentException("encoder weights " + weights + " need the encoder " + weights.config(encoder)
          + " but the model configures " + encoder);
    }
    if (tokenizers.isEmpty()) {
      throw new IllegalArgumentException("a model needs at least one tokenizer (one per input modality)");
    }
    Set<String> names = new HashSet<>();
    for (TokenizerSpec t : tokenizers) {
      if (!names.add(t.input())) {
        throw new IllegalArgumentException("two tokenizers read the same input '" + t.input() + "'");
      }
    }
    if (trainableBlocks < 0 || trainableBlocks > encoder.depth()) {
      throw new IllegalArgumentException("trainableBlocks must be in [0, " + encoder.depth() + "] but was "
          + trainableBlocks + " (use the encoder depth to fine-tune every block, 0 to freeze the encoder)");
    }
    ModelChoices.check(head, fusion, tokenizers); // task × fusion × pooling: refuse what cannot be built
    if (clientBlocks < 0 || clientBlocks >= encoder.depth() && clientBlocks > 0) {
      throw new IllegalArgumentException("--client-blocks must be in [0, " + Math.max(0, encoder.depth() - 1)
          + "] (the server keeps at least one of the encoder's " + encoder.depth() + " blocks) but was " + clientBlocks);
    }
    if (clientBlocks > 0 && !(weights instanceof EncoderSource.Scratch)) {
      throw new IllegalArgumentException("--client-blocks " + clientBlocks + " needs an encoder trained from scratch "
          + "(--encoder scratch): the " + weights + " weights are loaded into the server's encoder only");
    }
  }

  /**
   * The encoder the server runs: the full encoder less the {@link #clientBlocks} bottom blocks that each client runs
   * on its own tokens (a deeper cut).
   */
  public EncoderConfig serverEncoder() {
    return clientBlocks == 0 ? encoder : new EncoderConfig(encoder.width(), encoder.depth() - clientBlocks,
        encoder.heads(), encoder.mlpHidden(), encoder.norm(), encoder.dropout(), encoder.layerNormEps());
  }

  /** The server's fine-tuned blocks: the last {@link #trainableBlocks}, as far as they lie on the server. */
  public int serverTrainableBlocks() {
    return Math.min(trainableBlocks, encoder.depth() - clientBlocks);
  }

  /**
   * These settings with the first {@code k} encoder blocks on the clients: each client runs them on each modality's
   * tokens after its tokenizer and trains them with its tokenizers; the cut-layer activations are their outputs.
   */
  public ModelConfig withClientBlocks(int k) {
    return new ModelConfig(tokenizers, encoder, fusion, pooling, head, trainableBlocks, weights, frozenWordEmbeddings, k);
  }

  /** Tokens the encoder sees per sample in one pass: all modalities for EARLY, the longest for LATE. */
  public int encoderTokens() {
    return fusion == Fusion.EARLY
        ? tokenizers.stream().mapToInt(TokenizerSpec::tokens).sum()
        : tokenizers.stream().mapToInt(TokenizerSpec::tokens).max().orElseThrow();
  }

  /** These settings with another head (e.g. {@link HeadConfig#onClients()}). */
  public ModelConfig withHead(HeadConfig h) {
    return new ModelConfig(tokenizers, encoder, fusion, pooling, h, trainableBlocks, weights, frozenWordEmbeddings, clientBlocks);
  }

  public ModelConfig withTrainableBlocks(int k) {
    return new ModelConfig(tokenizers, encoder, fusion, pooling, head, k, weights, frozenWordEmbeddings, clientBlocks);
  }

  /**
   * The same model with the text tokenizers' word-embedding tables frozen: no client trains them, so
   * every client of a process reads one table and stores none of its rows. The default trains them on
   * each client.
   */
  public ModelConfig withFrozenWordEmbeddings(boolean frozen) {
    return new ModelConfig(tokenizers, encoder, fusion, pooling, head, trainableBlocks, weights, frozen, clientBlocks);
  }

  /**
   * The record's usual form; the frozen flag and the client blocks appear only when set, so that the settings (and the
   * {@link #fingerprint}) of a model that trains everything read as they did before the flag existed.
   */
  @Override
  public String toString() {
    return "ModelConfig[tokenizers=" + tokenizers + ", encoder=" + encoder + ", fusion=" + fusion + ", pooling="
        + pooling + ", head=" + head + ", trainableBlocks=" + trainableBlocks + ", weights=" + weights
        + (frozenWordEmbeddings ? ", frozenWordEmbeddings=true" : "")
        + (clientBlocks > 0 ? ", clientBlocks=" + clientBlocks : "") + "]";
  }

  /**
   * A short digest of every setting that shapes the model (tokenizers, encoder, fusion, pooling,
   * head, trained blocks, starting weights, the cut). Processes started with different settings have different fingerprints, so
   * a server can refuse a client built for another model before any tensor is exchanged.
   */
  public String fingerprint() {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
          .digest(toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(digest, 0, 8);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builder with fail-fast checks; see {@link ModelConfig}. */
  public static final class Builder {
    private final List<TokenizerSpec> tokenizers = new ArrayList<>();
    private EncoderConfig encoder;
    private HeadConfig head;
    private Fusion fusion = Fusion.EARLY;
    private Pooling pooling = Pooling.CLS;
    private Integer trainableBlocks;
    private EncoderSource weights = new EncoderSource.Scratch();
    private boolean frozenWordEmbeddings;

    /** Default false: each client trains its text word embeddings (see {@link ModelConfig#withFrozenWordEmbeddings}). */
    public Builder optFrozenWordEmbeddings(boolean frozen) {
      this.frozenWordEmbeddings = frozen;
      return this;
    }

    public Builder addTokenizer(TokenizerSpec spec) {
      tokenizers.add(Objects.requireNonNull(spec));
      return this;
    }

    public Builder setEncoder(EncoderConfig encoder) {
      this.encoder = encoder;
      return this;
    }

    public Builder setHead(HeadConfig head) {
      this.head = head;
      return this;
    }

    /** Default {@link Fusion#EARLY}. */
    public Builder optFusion(Fusion fusion) {
      this.fusion = fusion;
      return this;
    }

    /** Default {@link Pooling#CLS}. */
    public Builder optPooling(Pooling pooling) {
      this.pooling = pooling;
      return this;
    }

    /** Default: every block is trained. */
    public Builder optTrainableBlocks(int k) {
      this.trainableBlocks = k;
      return this;
    }

    /**
     * Where the encoder's (and a text tokenizer's) starting weights come from; default {@link
     * EncoderSource.Scratch}. A source with a fixed shape (pretrained, or MiniLM's shape from scratch)
     * gives the encoder: {@link #setEncoder} may then be omitted.
     */
    public Builder optEncoderWeights(EncoderSource weights) {
      this.weights = Objects.requireNonNull(weights);
      return this;
    }

    public ModelConfig build() {
      if (encoder == null) {
        encoder = weights.config(null); // a source with a fixed shape (pretrained, minilm-l6-scratch) gives it
      }
      if (encoder == null) {
        throw new IllegalStateException("ModelConfig needs an encoder (setEncoder)");
      }
      if (head == null) {
        throw new IllegalStateException("ModelConfig needs a head (setHead)");
      }
      int k = trainableBlocks == null ? encoder.depth() : trainableBlocks;
      return new ModelConfig(tokenizers, encoder, fusion, pooling, head, k, weights, frozenWordEmbeddings, 0);
    }
  }
}
