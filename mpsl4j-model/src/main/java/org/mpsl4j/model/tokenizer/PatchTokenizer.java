package org.mpsl4j.model.tokenizer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.mpsl4j.model.Initializer;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.model.TokenizerKind;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.model.nn.LayerNorm;
import org.mpsl4j.model.nn.PatchConv;

/**
 * The patch tokenizer for IMAGE (C × H × W), AUDIO (a 1 × mels × frames log-mel image, as in AST)
 * and SENSOR (C × L time windows, 1-D patches): patch conv, a learned CLS token in front, learned
 * positional embeddings, then LayerNorm.
 *
 * <p>Parameter names: {@code proj.weight}, {@code proj.bias}, {@code cls_token} (1, 1, d),
 * {@code pos_embed} (1, patches + 1, d), {@code norm.weight}, {@code norm.bias}.
 */
public final class PatchTokenizer extends ModalityTokenizer {
  private final PatchConv proj;
  private final Parameter clsToken;
  private final Parameter posEmbed;
  private final LayerNorm norm;
  private final int width;

  public PatchTokenizer(NDManager manager, TokenizerSpec spec, int width, float eps, Random rng) {
    super(spec);
    if (spec.kind() == TokenizerKind.TEXT) {
      throw new IllegalArgumentException("PatchTokenizer does not take TEXT; use TextTokenizer for '" + spec.input() + "'");
    }
    this.width = width;
    boolean twoD = spec.kind() != TokenizerKind.SENSOR;
    proj = addChild("proj", new PatchConv(manager, spec.channels(), width, spec.patchSize(), twoD, rng));
    clsToken = addParameter(manager, "cls_token", new Shape(1, 1, width), Initializer.truncatedNormal(0.02), rng);
    posEmbed = addParameter(
        manager, "pos_embed", new Shape(1, spec.tokens(), width), Initializer.truncatedNormal(0.02), rng);
    norm = addChild("norm", new LayerNorm(manager, width, eps, rng));
  }

  @Override
  protected Tokens tokenize(NDArray input, NDArray paddingMask) {
    NDArray patches = proj.forward(input);
    long batch = patches.getShape().get(0);
    // zeros + cls keeps the result owned by the step's manager and the gradient flowing to cls_token.
    NDArray cls = input.getManager().zeros(new Shape(batch, 1, width), patches.getDataType()).add(clsToken.array());
    NDArray tokens = NDArrays.concat(new NDList(cls, patches), 1).add(posEmbed.array());
    return new Tokens(norm.forward(tokens), null);
  }
}
