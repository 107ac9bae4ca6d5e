package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.v1.NamedTensor;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.TokenizerWeights;

/** A client applies the server's averaged tokenizers all or nothing; a bad message changes nothing. */
final class GlobalTokenizerLoadTest {
  private static final ModelConfig MODEL = ModelConfig.builder()
      .addTokenizer(TokenizerSpec.image("image", 1, 8, 8, 4))
      .setEncoder(EncoderConfig.small(16, 1, 4))
      .setHead(HeadConfig.classification(3))
      .build();

  @Test
  void completeMessage_replacesEveryParameter() {
    try (NDManager m = NDManager.newBaseManager(); MpslClient client = client()) {
      client.onMessage(global(zerosFor(client.model(), m, null)));
      assertThat(client.lastError()).isNull();
      client.model().namedParameters().values().forEach(p -> assertThat(p.array().abs().max().getFloat()).isZero());
    }
  }

  @Test
  void missingParameter_nothingApplied_errorNamesIt() {
    try (NDManager m = NDManager.newBaseManager(); MpslClient client = client()) {
      String dropped = client.model().namedParameters().keySet().iterator().next();
      float[] before = client.model().namedParameters().get(dropped).array().toFloatArray();
      String other = client.model().namedParameters().keySet().stream().skip(1).findFirst().orElseThrow();
      float[] otherBefore = client.model().namedParameters().get(other).array().toFloatArray();

      client.onMessage(global(zerosFor(client.model(), m, dropped)));

      assertThat(client.lastError()).contains("not applied").contains(dropped);
      assertThat(client.model().namedParameters().get(dropped).array().toFloatArray()).isEqualTo(before);
      assertThat(client.model().namedParameters().get(other).array().toFloatArray()).as("all or nothing")
          .isEqualTo(otherBefore);
    }
  }

  @Test
  void wrongShape_nothingApplied() {
    try (NDManager m = NDManager.newBaseManager(); MpslClient client = client()) {
      TokenizerWeights.Builder w = zerosFor(client.model(), m, null).toBuilder();
      NamedTensor first = w.getParameters(0);
      w.setParameters(0, first.toBuilder().setTensor(TensorCodec.encode(m.zeros(new ai.djl.ndarray.types.Shape(2, 2)))));

      client.onMessage(global(w.build()));

      assertThat(client.lastError()).contains(first.getName());
    }
  }

  private static MpslClient client() {
    return new MpslClient(new ClientConfig("c", "", 2, 3, 4), MODEL, new RandomDataset(4, 3, 1), new int[] {0, 1, 2, 3},
        1e-3f);
  }

  private static ServerMessage global(TokenizerWeights w) {
    return ServerMessage.newBuilder().setStep(5).setGlobalTokenizers(w).build();
  }

  /** Zeros for every parameter of {@code model} except {@code skip}. */
  private static TokenizerWeights zerosFor(ClientModel model, NDManager m, String skip) {
    TokenizerWeights.Builder w = TokenizerWeights.newBuilder();
    for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
      if (!e.getKey().equals(skip)) {
        w.addParameters(NamedTensor.newBuilder().setName(e.getKey())
            .setTensor(TensorCodec.encode(m.zeros(e.getValue().shape()))));
      }
    }
    return w.build();
  }
}
