package org.mpsl4j.model.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.norm.Dropout;
import java.util.Random;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.Module;
import org.mpsl4j.model.nn.Linear;

/**
 * Multi-head self-attention with a fused {@code qkv} projection (3d × d, rows ordered q, k, v as in
 * timm's ViT) and an output projection {@code proj}.
 */
public final class MultiHeadAttention extends Module {
  private final Linear qkv;
  private final Linear proj;
  private final int heads;
  private final int headDim;
  private final float dropout;

  public MultiHeadAttention(NDManager manager, EncoderConfig config, Random rng) {
    heads = config.heads();
    headDim = config.headDim();
    dropout = config.dropout();
    qkv = addChild("qkv", new Linear(manager, config.width(), 3 * config.width(), rng));
    proj = addChild("proj", new Linear(manager, config.width(), config.width(), rng));
  }

  /**
   * @param x (B, T, d)
   * @param additiveMask (B, 1, 1, T): 0 for real keys, a large negative number for padding; or null
   */
  public NDArray forward(NDArray x, NDArray additiveMask, boolean training) {
    long b = x.getShape().get(0);
    long t = x.getShape().get(1);
    NDArray qkvHeads = qkv.forward(x).reshape(b, t, 3, heads, headDim).transpose(2, 0, 3, 1, 4);
    // The scale is an array owned by the step's manager, not a Java Number: a Number operand can be
    // freed by the garbage collector before backward and corrupt the gradient (docs/ARCHITECTURE.md, "Native memory and autograd").
    NDArray scale = x.getManager().create((float) (1.0 / Math.sqrt(headDim)));
    NDArray q = qkvHeads.get(0).mul(scale);
    NDArray k = qkvHeads.get(1);
    NDArray v = qkvHeads.get(2);
    NDArray scores = q.matMul(k.transpose(0, 1, 3, 2));
    if (additiveMask != null) {
      scores = scores.add(additiveMask);
    }
    NDArray attention = scores.softmax(-1);
    if (training && dropout > 0) {
      attention = Dropout.dropout(attention, dropout, true).singletonOrThrow();
    }
    NDArray context = attention.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, (long) heads * headDim);
    return proj.forward(context);
  }
}
