package org.mpsl4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.mpsl4j.model.encoder.TransformerEncoder;
import org.mpsl4j.model.head.TaskHead;
import org.mpsl4j.model.tokenizer.Tokens;

/**
 * The part of the model the MPSL server holds, exactly once whatever the number of clients: the
 * shared encoder ({@code encoder.*}), fusion, pooling and the task head ({@code head.*}). A retrieval
 * model (projection head) returns both modalities' embeddings per row ({@link
 * org.mpsl4j.model.retrieval.PairEmbeddings}).
 *
 * <p>Its input is the concatenation of all clients' cut-layer activations, one {@link Tokens} per
 * modality, so one forward and one backward serve every client of a step.
 *
 * <p>With the head on the clients ({@link HeadConfig#onClient()}) it has no head and returns the pooled (B, d)
 * representation.
 */
public final class ServerModel extends Module {
  private final TransformerEncoder encoder;
  private final TaskHead head;
  private final ModelConfig config;

  public ServerModel(NDManager manager, ModelConfig config, Random rng) {
    this.config = config;
    EncoderConfig enc = config.serverEncoder(); // less the blocks the clients run below a deeper cut
    encoder = addChild("encoder", new TransformerEncoder(manager, enc, rng));
    head = config.head().onClient() ? null
        : addChild("head", new TaskHead(manager, config.head(), enc.width(), enc.layerNormEps(), rng));
    try {
      config.weights().initialize(encoder);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot load the encoder weights " + config.weights() + ": "
          + e.getMessage(), e);
    }
    encoder.trainLastBlocks(config.serverTrainableBlocks());
  }

  public ModelConfig config() {
    return config;
  }

  public TransformerEncoder encoder() {
    return encoder;
  }

  /** The head, or null when the clients run it. */
  public TaskHead head() {
    return head;
  }

  /** Fuses, encodes, pools and applies the head; returns (B, outputs), or (B, d) when the clients run the head. */
  public NDArray forward(List<Tokens> modalities, boolean training) {
    return forwardPass(modalities, training).outputs();
  }

  /**
   * One forward pass that also keeps the pooled (B, d) representation the head reads, for a loss on it
   * (a client-identity adversary). {@code pooled} is null for a retrieval model, whose rows hold two
   * modalities' embeddings.
   */
  public record Pass(NDArray pooled, NDArray outputs) {}

  /** As {@link #forward}, keeping the pooled representation ({@link Pass}). */
  public Pass forwardPass(List<Tokens> modalities, boolean training) {
    if (modalities.size() != config.tokenizers().size()) {
      throw new IllegalArgumentException("server expects " + config.tokenizers().size() + " modalities but got "
          + modalities.size());
    }
    for (int i = 0; i < modalities.size(); i++) {
      TokenizerSpec spec = config.tokenizers().get(i);
      Shape s = modalities.get(i).values().getShape();
      if (s.dimension() != 3 || s.get(1) != spec.tokens() || s.get(2) != config.encoder().width()) {
        throw new IllegalArgumentException("activations for '" + spec.input() + "' must be (B, " + spec.tokens() + ", "
            + config.encoder().width() + ") but are " + s);
      }
    }
    if (config.head().kind() == HeadConfig.Kind.PROJECTION) {
      // Retrieval (late fusion, checked by ModelConfig): each modality's own embedding, both in one row.
      return new Pass(null, org.mpsl4j.model.retrieval.PairEmbeddings.join(
          latePooled(modalities, training).stream().map(head::forward).toList()));
    }
    NDArray pooled = config.fusion() == Fusion.EARLY ? early(modalities, training) : average(latePooled(modalities, training));
    return new Pass(pooled, head == null ? pooled : head.forward(pooled)); // null: the clients run the head (U-shaped)
  }

  private NDArray early(List<Tokens> modalities, boolean training) {
    NDList values = new NDList();
    NDList masks = new NDList();
    boolean anyMask = false;
    for (Tokens t : modalities) {
      values.add(t.values());
      anyMask |= t.mask() != null;
    }
    if (anyMask) {
      for (Tokens t : modalities) {
        masks.add(t.mask() != null ? t.mask()
            : t.values().getManager().ones(new Shape(t.batch(), t.length()), DataType.FLOAT32));
      }
    }
    NDArray x = values.size() == 1 ? values.get(0) : NDArrays.concat(values, 1);
    NDArray mask = anyMask ? (masks.size() == 1 ? masks.get(0) : NDArrays.concat(masks, 1)) : null;
    NDArray encoded = encoder.forward(x, mask, training);
    if (config.pooling() == Pooling.MEAN) {
      return meanPool(encoded, mask);
    }
    List<NDArray> cls = new ArrayList<>();
    long offset = 0;
    for (Tokens t : modalities) {
      cls.add(encoded.get(new NDIndex(":, {}, :", offset)));
      offset += t.length();
    }
    return average(cls);
  }

  /** Each modality through the encoder on its own, pooled: one (B, d) per modality. */
  private List<NDArray> latePooled(List<Tokens> modalities, boolean training) {
    List<NDArray> pooled = new ArrayList<>();
    for (Tokens t : modalities) {
      NDArray encoded = encoder.forward(t.values(), t.mask(), training);
      pooled.add(config.pooling() == Pooling.MEAN ? meanPool(encoded, t.mask())
          : encoded.get(new NDIndex(":, 0, :")));
    }
    return pooled;
  }

  private static NDArray meanPool(NDArray encoded, NDArray mask) {
    if (mask == null) {
      return encoded.mean(new int[] {1});
    }
    NDArray m = mask.expandDims(-1);
    return encoded.mul(m).sum(new int[] {1}).div(m.sum(new int[] {1}).maximum(mask.getManager().create(1f)));
  }

  private static NDArray average(List<NDArray> xs) {
    if (xs.size() == 1) {
      return xs.get(0);
    }
    NDArray sum = xs.get(0);
    for (int i = 1; i < xs.size(); i++) {
      sum = sum.add(xs.get(i));
    }
    return sum.div(sum.getManager().create((float) xs.size()));
  }

  /**
   * An inference forward pass, {@code chunk} samples at a time, for batches too large for one pass:
   * a pass keeps every intermediate until its manager closes (a 6-block width-384 encoder holds about
   * 1.5 MB per sample per block), so each chunk runs in its own sub-manager of {@code scope} and only
   * its outputs move to {@code scope}. Call it without gradient recording.
   */
  public NDArray forwardInChunks(List<Tokens> modalities, int chunk, ai.djl.ndarray.NDManager scope) {
    long total = modalities.get(0).batch();
    List<NDArray> parts = new java.util.ArrayList<>();
    for (long start = 0; start < total; start += chunk) {
      try (ai.djl.ndarray.NDManager part = scope.newSubManager()) {
        List<Tokens> rows = new java.util.ArrayList<>();
        for (Tokens t : modalities) {
          rows.add(new Tokens(rows(t.values(), start, start + chunk, part),
              t.mask() == null ? null : rows(t.mask(), start, start + chunk, part)));
        }
        NDArray out = forward(rows, false);
        out.attach(scope);
        parts.add(out);
      }
    }
    return parts.size() == 1 ? parts.get(0) : ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(parts));
  }

  /** Rows [from, to) of {@code a}, owned by {@code part} so that what is computed from them dies with it. */
  private static NDArray rows(NDArray a, long from, long to, ai.djl.ndarray.NDManager part) {
    NDArray r = a.get(new ai.djl.ndarray.index.NDIndex("{}:{}", from, Math.min(to, a.getShape().get(0))));
    r.attach(part);
    return r;
  }
}
