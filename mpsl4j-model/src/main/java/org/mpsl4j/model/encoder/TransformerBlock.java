package org.mpsl4j.model.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.norm.Dropout;
import java.util.Random;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.Module;
import org.mpsl4j.model.NormPlacement;
import org.mpsl4j.model.nn.LayerNorm;

/**
 * One encoder block. PRE: x + attn(norm1(x)), then + mlp(norm2(x)) (ViT). POST: norm1(x + attn(x)),
 * then norm2(x + mlp(x)) (BERT; norm1 is BERT's attention.output.LayerNorm, norm2 its
 * output.LayerNorm). Parameter names: {@code norm1.*}, {@code attn.qkv.*}, {@code attn.proj.*},
 * {@code norm2.*}, {@code mlp.fc1.*}, {@code mlp.fc2.*}.
 */
public final class TransformerBlock extends Module {
  private final LayerNorm norm1;
  private final MultiHeadAttention attn;
  private final LayerNorm norm2;
  private final Mlp mlp;
  private final NormPlacement placement;
  private final float dropout;

  public TransformerBlock(NDManager manager, EncoderConfig config, Random rng) {
    placement = config.norm();
    dropout = config.dropout();
    norm1 = addChild("norm1", new LayerNorm(manager, config.width(), config.layerNormEps(), rng));
    attn = addChild("attn", new MultiHeadAttention(manager, config, rng));
    norm2 = addChild("norm2", new LayerNorm(manager, config.width(), config.layerNormEps(), rng));
    mlp = addChild("mlp", new Mlp(manager, config, rng));
  }

  public NDArray forward(NDArray x, NDArray additiveMask, boolean training) {
    if (placement == NormPlacement.PRE) {
      x = x.add(drop(attn.forward(norm1.forward(x), additiveMask, training), training));
      return x.add(drop(mlp.forward(norm2.forward(x)), training));
    }
    x = norm1.forward(x.add(drop(attn.forward(x, additiveMask, training), training)));
    return norm2.forward(x.add(drop(mlp.forward(x), training)));
  }

  private NDArray drop(NDArray x, boolean training) {
    return training && dropout > 0 ? Dropout.dropout(x, dropout, true).singletonOrThrow() : x;
  }
}
