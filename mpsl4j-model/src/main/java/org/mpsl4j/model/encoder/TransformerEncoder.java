package org.mpsl4j.model.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.Module;
import org.mpsl4j.model.NormPlacement;
import org.mpsl4j.model.nn.LayerNorm;

/**
 * A stack of {@link TransformerBlock}s ({@code blocks.0 … blocks.N-1}) and, for pre-norm encoders,
 * a final LayerNorm ({@code norm}).
 *
 * <p>Fine-tuning depth: {@link #trainLastBlocks(int)} trains only the last k blocks (and the final
 * norm if k > 0) and freezes the rest. Frozen blocks still pass gradients through to whatever lies
 * below them (the client tokenizers in MPSL); they only skip their own weight gradients.
 */
public final class TransformerEncoder extends Module {
  /** Added to attention scores of padding keys; large enough that softmax gives them ~0 weight. */
  static final float MASK_VALUE = -1e9f;
  private final List<TransformerBlock> blocks = new ArrayList<>();
  private final LayerNorm finalNorm;
  private final EncoderConfig config;

  public TransformerEncoder(NDManager manager, EncoderConfig config, Random rng) {
    this(manager, config, rng, true);
  }

  /**
   * @param finalNorm whether a pre-norm encoder ends with its LayerNorm; false for the bottom blocks a client runs
   *     below a deeper cut (the norm belongs to the top of the encoder, on the server)
   */
  public TransformerEncoder(NDManager manager, EncoderConfig config, Random rng, boolean finalNorm) {
    this.config = config;
    Module container = addChild("blocks", new Container());
    for (int i = 0; i < config.depth(); i++) {
      blocks.add(((Container) container).add(String.valueOf(i), new TransformerBlock(manager, config, rng)));
    }
    this.finalNorm = finalNorm && config.norm() == NormPlacement.PRE
        ? addChild("norm", new LayerNorm(manager, config.width(), config.layerNormEps(), rng))
        : null;
  }

  public EncoderConfig config() {
    return config;
  }

  public List<TransformerBlock> blocks() {
    return Collections.unmodifiableList(blocks);
  }

  /**
   * @param x (B, T, d)
   * @param mask (B, T), 1 = real token, 0 = padding; or null
   */
  public NDArray forward(NDArray x, NDArray mask, boolean training) {
    NDArray additive = null;
    if (mask != null) {
      NDArray m = mask.toType(DataType.FLOAT32, false);
      // (1 - mask) * MASK_VALUE, shaped to broadcast over heads and query positions. The mask needs no
      // gradient, so Number operands are safe here.
      additive = m.neg().add(1f).mul(MASK_VALUE).expandDims(1).expandDims(1);
    }
    for (TransformerBlock block : blocks) {
      x = block.forward(x, additive, training);
    }
    return finalNorm == null ? x : finalNorm.forward(x);
  }

  /** Trains the last {@code k} blocks (and the final norm if k > 0); freezes the others. */
  public void trainLastBlocks(int k) {
    if (k < 0 || k > blocks.size()) {
      throw new IllegalArgumentException("k must be in [0, " + blocks.size() + "] but was " + k);
    }
    for (int i = 0; i < blocks.size(); i++) {
      blocks.get(i).setTrainable(i >= blocks.size() - k);
    }
    if (finalNorm != null) {
      finalNorm.setTrainable(k > 0);
    }
  }

  /** Holds numbered children so names read {@code blocks.3.attn...}. */
  private static final class Container extends Module {
    <M extends Module> M add(String name, M child) {
      return addChild(name, child);
    }
  }
}
