package org.mpsl4j.model;

/**
 * Shape of the shared transformer encoder that the server runs.
 *
 * @param width token width d
 * @param depth number of blocks
 * @param heads attention heads (must divide width)
 * @param mlpHidden hidden width of each block's MLP (ViT: 4·d)
 * @param norm pre-norm (ViT, Meta-Transformer) or post-norm (BERT, MiniLM)
 * @param dropout dropout after attention probabilities and MLP/projection outputs; 0 disables
 * @param layerNormEps epsilon of every LayerNorm (ViT 1e-6, BERT 1e-12)
 */
public record EncoderConfig(
    int width, int depth, int heads, int mlpHidden, NormPlacement norm, float dropout, float layerNormEps) {

  public EncoderConfig {
    require(width > 0, "width must be > 0 but was " + width);
    require(depth >= 0, "depth must be >= 0 but was " + depth);
    require(heads > 0 && width % heads == 0, "heads must divide width, but width " + width + " and heads " + heads);
    require(mlpHidden > 0, "mlpHidden must be > 0 but was " + mlpHidden);
    require(dropout >= 0 && dropout < 1, "dropout must be in [0, 1) but was " + dropout);
  }

  /** ViT-Tiny: 12 blocks, width 192, 3 heads, MLP 768, pre-norm. */
  public static EncoderConfig vitTiny() {
    return new EncoderConfig(192, 12, 3, 768, NormPlacement.PRE, 0f, 1e-6f);
  }

  /** ViT-B/16 (the paper's Meta-Transformer encoder): 12 blocks, width 768, 12 heads, MLP 3072. */
  public static EncoderConfig vitBase() {
    return new EncoderConfig(768, 12, 12, 3072, NormPlacement.PRE, 0f, 1e-6f);
  }

  /** all-MiniLM-L6-v2: 6 post-norm BERT blocks, width 384, 12 heads, MLP 1536. */
  public static EncoderConfig miniLmL6() {
    return new EncoderConfig(384, 6, 12, 1536, NormPlacement.POST, 0f, 1e-12f);
  }

  /** A small pre-norm encoder of the given width and depth with 4·d MLP, for tests and quick runs. */
  public static EncoderConfig small(int width, int depth, int heads) {
    return new EncoderConfig(width, depth, heads, 4 * width, NormPlacement.PRE, 0f, 1e-6f);
  }

  public int headDim() {
    return width / heads;
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException("encoder: " + message);
    }
  }
}
