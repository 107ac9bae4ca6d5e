package org.mpsl4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mpsl4j.model.encoder.TransformerEncoder;
import org.mpsl4j.model.tokenizer.ModalityTokenizer;
import org.mpsl4j.model.tokenizer.Tokenizers;
import org.mpsl4j.model.tokenizer.Tokens;

/**
 * The part of the model an edge device holds: one tokenizer per input ({@code <input>.*}), in the
 * order of {@link ModelConfig#tokenizers()}. Its outputs are the cut-layer activations. With the head on the clients
 * ({@link HeadConfig#onClient()}) it also holds the task head ({@code head.*}), drawn after the tokenizers, which
 * turns the server's pooled representation into logits. With a deeper cut ({@link ModelConfig#clientBlocks()} k > 0) it
 * also holds the encoder's first k blocks ({@code encoder.*}, drawn after the tokenizers), run on each modality's
 * tokens on their own; the cut-layer activations are then their outputs.
 */
public final class ClientModel extends Module {
  private final LinkedHashMap<String, ModalityTokenizer> tokenizers = new LinkedHashMap<>();
  private final ModelConfig config;
  private final org.mpsl4j.model.head.TaskHead head;
  private final TransformerEncoder blocks; // null unless the cut lies inside the encoder

  /** Builds the tokenizers with parameters drawn from {@code rng}, owned by {@code manager}. */
  public ClientModel(NDManager manager, ModelConfig config, Random rng) {
    this.config = config;
    EncoderConfig enc = config.encoder();
    for (TokenizerSpec spec : config.tokenizers()) {
      ModalityTokenizer t = Tokenizers.create(manager, spec, enc.width(), enc.layerNormEps(), rng);
      if (t instanceof org.mpsl4j.model.tokenizer.TextTokenizer text) {
        try {
          config.weights().initializeText(text);
          if (config.frozenWordEmbeddings()) {
            text.freezeWordEmbeddings();
          }
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException("cannot load the text embeddings of " + config.weights() + ": "
              + e.getMessage(), e);
        }
      }
      tokenizers.put(spec.input(), addChild(spec.input(), t));
    }
    blocks = config.clientBlocks() == 0 ? null : addChild("encoder", new TransformerEncoder(manager,
        clientEncoder(config), rng, false));
    head = config.head().onClient() ? addChild("head", new org.mpsl4j.model.head.TaskHead(manager, config.head(),
        enc.width(), enc.layerNormEps(), rng)) : null;
    if (config.head().placement() == HeadConfig.Placement.CLIENT_FIXED) {
      head.setTrainable(false); // its gradient w.r.t. the representation still flows: the input is a leaf
    }
  }

  /** The task head when the clients run it, else null. */
  public org.mpsl4j.model.head.TaskHead head() {
    return head;
  }

  /** The model's outputs from what the server returned: the head applied to a representation, or the logits as they are. */
  public NDArray outputs(NDArray fromServer) {
    return head == null ? fromServer : head.forward(fromServer);
  }

  /**
   * One more owner of {@code base}'s initial client model: its text embedding tables are rows over
   * the base's (only the rows this client trains are stored, in {@code manager}); every other
   * parameter is its own copy. Trains exactly like a model built from the same config and seed.
   */
  public ClientModel(NDManager manager, SharedClientBase base) {
    this.config = base.config();
    EncoderConfig enc = config.encoder();
    base.template().tokenizers().forEach((input, t) ->
        tokenizers.put(input, addChild(input, Tokenizers.copyOf(t, manager, enc.width(), enc.layerNormEps()))));
    if (config.clientBlocks() == 0) {
      blocks = null;
    } else { // each client owns a copy of the base's initial blocks
      blocks = addChild("encoder", new TransformerEncoder(manager, clientEncoder(config), new Random(0), false));
      blocks.namedParameters().forEach((name, p) -> p.copyFrom(base.template().blocks.namedParameters().get(name)
          .array()));
    }
    org.mpsl4j.model.head.TaskHead shared = base.template().head();
    if (shared == null) {
      head = null;
      return;
    }
    // A client-side head is small: each client owns a copy of the base's initial head.
    head = addChild("head", new org.mpsl4j.model.head.TaskHead(manager, config.head(), enc.width(), enc.layerNormEps(),
        new Random(0)));
    head.namedParameters().forEach((name, p) -> p.copyFrom(shared.namedParameters().get(name).array()));
    head.setTrainable(shared.trainableParameters().size() > 0);
  }

  public ModelConfig config() {
    return config;
  }

  public Map<String, ModalityTokenizer> tokenizers() {
    return Collections.unmodifiableMap(tokenizers);
  }

  /**
   * Tokenizes one batch. {@code inputs} maps input name → (B, *shape) array; {@code masks} maps a
   * TEXT input to its (B, L) padding mask (absent otherwise). Returns tokens in config order.
   */
  public List<Tokens> forward(Map<String, NDArray> inputs, Map<String, NDArray> masks) {
    List<Tokens> out = new ArrayList<>(tokenizers.size());
    for (Map.Entry<String, ModalityTokenizer> e : tokenizers.entrySet()) {
      NDArray input = inputs.get(e.getKey());
      if (input == null) {
        throw new IllegalArgumentException("missing input '" + e.getKey() + "'; the model reads " + tokenizers.keySet()
            + " but the batch has " + inputs.keySet());
      }
      Tokens t = e.getValue().forward(input, masks.get(e.getKey()));
      // Below a deeper cut each modality's tokens pass the client's blocks on their own (no fusion on the client).
      out.add(blocks == null ? t : new Tokens(blocks.forward(t.values(), t.mask(), Autograd.isRecording()), t.mask()));
    }
    return out;
  }

  /** The client's bottom blocks below a deeper cut (no final norm), or null. */
  public TransformerEncoder blocks() {
    return blocks;
  }

  private static EncoderConfig clientEncoder(ModelConfig config) {
    EncoderConfig e = config.encoder();
    return new EncoderConfig(e.width(), config.clientBlocks(), e.heads(), e.mlpHidden(), e.norm(), e.dropout(),
        e.layerNormEps());
  }
}
