package org.mpsl4j.engine;

import java.util.List;
import org.mpsl4j.data.InputSpec;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.Fusion;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelChoices;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.model.pretrained.EncoderSource;

/**
 * Derives a {@link ModelConfig} from a dataset's inputs: one tokenizer per input, with a patch size
 * that divides the input, the given encoder, and a classification head over the dataset's classes.
 */
public final class ModelFactory {
  /** WordPiece vocabulary of BERT/MiniLM, which the text loaders use. */
  public static final int WORDPIECE_VOCAB = 30522;

  private ModelFactory() {}

  public static ModelConfig forDataset(LabeledDataset data, EncoderConfig encoder, Fusion fusion, int trainableBlocks,
      int preferredPatch) {
    return forDataset(data, new EncoderSource.Scratch(), encoder, fusion, trainableBlocks, preferredPatch);
  }

  /**
   * As above, with the encoder's starting weights from {@code weights}; a pretrained source fixes the
   * encoder shape ({@code encoder} is then only the fallback of {@link EncoderSource#config}).
   */
  public static ModelConfig forDataset(LabeledDataset data, EncoderSource weights, EncoderConfig encoder, Fusion fusion,
      int trainableBlocks, int preferredPatch) {
    return forDataset(data, weights, encoder, new ModelChoices(ModelChoices.Task.CLASSIFICATION, fusion,
        org.mpsl4j.model.Pooling.CLS), trainableBlocks, preferredPatch);
  }

  /**
   * As above, with the task, fusion and pooling of {@code choices}: a retrieval head projects to an embedding
   * as wide as the encoder. Refuses a combination the data cannot support ({@link ModelChoices#check}).
   */
  public static ModelConfig forDataset(LabeledDataset data, EncoderSource weights, EncoderConfig encoder,
      ModelChoices choices, int trainableBlocks, int preferredPatch) {
    return forInputs(data.inputs(), data.numClasses(), weights, encoder, choices, trainableBlocks, preferredPatch);
  }

  /**
   * As above from the inputs and the number of classes alone: what a server that holds no data of the clients builds
   * its model from ({@link org.mpsl4j.data.ServerData}).
   */
  public static ModelConfig forInputs(List<InputSpec> inputs, int numClasses, EncoderSource weights,
      EncoderConfig encoder, ModelChoices choices, int trainableBlocks, int preferredPatch) {
    EncoderConfig shape = weights.config(encoder);
    ModelConfig.Builder b = ModelConfig.builder().setEncoder(shape).optEncoderWeights(weights)
        .setHead(choices.head(numClasses, shape.width()))
        .optFusion(choices.fusion())
        .optPooling(choices.pooling())
        .optTrainableBlocks(trainableBlocks);
    for (InputSpec in : inputs) {
      b.addTokenizer(tokenizer(in, preferredPatch));
    }
    return b.build();
  }

  static TokenizerSpec tokenizer(InputSpec in, int preferredPatch) {
    int[] s = in.sampleShape();
    return switch (in.modality()) {
      case IMAGE -> TokenizerSpec.image(in.name(), s[0], s[1], s[2], patch(preferredPatch, s[1], s[2]));
      case AUDIO -> TokenizerSpec.audio(in.name(), s[1], s[2], patch(preferredPatch, s[1], s[2]));
      case SENSOR -> TokenizerSpec.sensor(in.name(), s[0], s[1], patch(preferredPatch, s[1], s[1]));
      case TEXT -> TokenizerSpec.text(in.name(), s[0], WORDPIECE_VOCAB);
    };
  }

  /** The largest patch ≤ preferred that divides both sides. */
  static int patch(int preferred, int a, int b) {
    for (int p = Math.min(preferred, Math.min(a, b)); p > 1; p--) {
      if (a % p == 0 && b % p == 0) {
        return p;
      }
    }
    return 1;
  }

  public static List<String> inputNames(LabeledDataset data) {
    return data.inputs().stream().map(InputSpec::name).toList();
  }
}
