package org.mpsl4j.model.pretrained;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.ServerModel;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.model.encoder.TransformerEncoder;
import org.mpsl4j.model.tokenizer.TextTokenizer;

/**
 * A model configured with pretrained weights starts pretrained wherever it is built: the server's
 * encoder and every client's text tokenizer hold MiniLM's values, whatever seed they were drawn
 * with; image tokenizers stay seeded and random; and the fingerprint tells the variants apart.
 */
final class PretrainedModelConfigTest {
  private static ModelConfig model(EncoderSource weights) {
    return ModelConfig.builder().optEncoderWeights(weights)
        .addTokenizer(TokenizerSpec.image("image", 1, 8, 8, 4))
        .addTokenizer(MiniLm.textSpec("text", 6))
        .setHead(HeadConfig.classification(3))
        .optTrainableBlocks(3)
        .build();
  }

  @Test
  void serverAndClientHalves_startFromMiniLm() throws Exception {
    ModelConfig config = model(new EncoderSource.Pretrained());
    assertThat(config.encoder()).isEqualTo(MiniLm.config());
    try (NDManager m = NDManager.newBaseManager()) {
      TransformerEncoder reference = MiniLm.shared().newEncoder(m);
      ServerModel server = new ServerModel(m, config, new Random(1));
      String w = "blocks.5.mlp.fc1.weight";
      assertThat(server.encoder().namedParameters().get(w).array().toFloatArray())
          .isEqualTo(reference.namedParameters().get(w).array().toFloatArray());
      assertThat(server.encoder().namedParameters().get("blocks.0.attn.qkv.weight").isTrainable()).isFalse();
      assertThat(server.encoder().namedParameters().get("blocks.5.attn.qkv.weight").isTrainable()).isTrue();

      ClientModel a = new ClientModel(m, config, new Random(1));
      ClientModel b = new ClientModel(m, config, new Random(2));
      String words = "text.word_embeddings.weight";
      float[] aWords = a.namedParameters().get(words).array().toFloatArray();
      assertThat(b.namedParameters().get(words).array().toFloatArray()).isEqualTo(aWords);
      TextTokenizer fresh = new TextTokenizer(m, MiniLm.textSpec("text", 6), 384, 1e-12f, new Random(9));
      MiniLm.shared().loadTextTokenizer(fresh);
      assertThat(fresh.namedParameters().get("word_embeddings.weight").array().toFloatArray()).isEqualTo(aWords);
      // the image tokenizer has no pretrained weights: seeded, so two seeds differ
      assertThat(a.namedParameters().get("image.proj.weight").array().toFloatArray())
          .isNotEqualTo(b.namedParameters().get("image.proj.weight").array().toFloatArray());
    }
  }

  @Test
  void fingerprint_separatesPretrainedFromScratchOfTheSameShape() {
    String pretrained = model(new EncoderSource.Pretrained()).fingerprint();
    String scratch = model(EncoderSource.parse(EncoderSource.SCRATCH_MINILM)).fingerprint();
    assertThat(pretrained).isNotEqualTo(scratch).isEqualTo(model(new EncoderSource.Pretrained()).fingerprint());
  }

  @Test
  void pretrainedWeights_withAnotherEncoderShape_areRefused() {
    assertThatThrownBy(() -> new ModelConfig(model(new EncoderSource.Pretrained()).tokenizers(),
        EncoderConfig.small(384, 4, 12), org.mpsl4j.model.Fusion.EARLY, org.mpsl4j.model.Pooling.CLS,
        HeadConfig.classification(3), 2, new EncoderSource.Pretrained()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minilm-l6");
  }
}
