package org.mpsl4j.model.tokenizer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Random;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.model.nn.Embedding;
import org.mpsl4j.model.nn.LayerNorm;

/**
 * BERT-style text embeddings: word + position + token-type embeddings, then LayerNorm. Input is
 * WordPiece ids (B, L) that start with their own [CLS], so no extra CLS token is added.
 *
 * <p>The position table always has {@value #POSITIONS} rows, as in BERT, so a pretrained table loads
 * whatever maximum length a run uses. Parameter names: {@code word_embeddings.weight},
 * {@code position_embeddings.weight}, {@code token_type_embeddings.weight}, {@code norm.weight},
 * {@code norm.bias}.
 */
public final class TextTokenizer extends ModalityTokenizer {
  public static final int POSITIONS = 512;
  private final Embedding words;
  private final Embedding positions;
  private final Embedding tokenTypes;
  private final LayerNorm norm;

  public TextTokenizer(NDManager manager, TokenizerSpec spec, int width, float eps, Random rng) {
    super(spec);
    if (spec.inputShape()[0] > POSITIONS) {
      throw new IllegalArgumentException("text input '" + spec.input() + "' is " + spec.inputShape()[0]
          + " tokens long; at most " + POSITIONS + " are supported");
    }
    words = addChild("word_embeddings", new Embedding(manager, spec.vocabSize(), width, rng));
    positions = addChild("position_embeddings", new Embedding(manager, POSITIONS, width, rng));
    tokenTypes = addChild("token_type_embeddings", new Embedding(manager, 2, width, rng));
    norm = addChild("norm", new LayerNorm(manager, width, eps, rng));
  }

  /**
   * A tokenizer whose three embedding tables are {@link Embedding#sharing shared} with {@code base}
   * (each owner keeps only the rows it trains, in {@code manager}) and whose LayerNorm is its own
   * copy of {@code base}'s.
   */
  TextTokenizer(NDManager manager, TextTokenizer base, int width, float eps) {
    super(base.spec());
    words = addChild("word_embeddings", Embedding.sharing(base.words, manager));
    positions = addChild("position_embeddings", Embedding.sharing(base.positions, manager));
    tokenTypes = addChild("token_type_embeddings", Embedding.sharing(base.tokenTypes, manager));
    norm = addChild("norm", new LayerNorm(manager, width, eps, new Random(0)));
    copyParameterValues(base.norm, norm);
  }

  /** Stops training the word-embedding table (a frozen pretrained vocabulary); the rest stays trained. */
  public void freezeWordEmbeddings() {
    words.setTrainable(false);
  }

  @Override
  protected Tokens tokenize(NDArray ids, NDArray paddingMask) {
    NDManager m = ids.getManager();
    long length = ids.getShape().get(1);
    NDArray positionIds = m.arange(0, (int) length, 1, DataType.INT64).expandDims(0);
    NDArray typeIds = m.zeros(ids.getShape(), DataType.INT64);
    NDArray x = words.forward(ids).add(positions.forward(positionIds)).add(tokenTypes.forward(typeIds));
    NDArray mask = paddingMask == null ? null : paddingMask.toType(DataType.FLOAT32, false);
    return new Tokens(norm.forward(x), mask);
  }
}
