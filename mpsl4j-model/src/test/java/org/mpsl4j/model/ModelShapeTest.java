package org.mpsl4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mpsl4j.model.tokenizer.Tokens;

final class ModelShapeTest {
  private NDManager manager;

  @BeforeEach
  void setUp() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void tearDown() {
    manager.close();
  }

  @Test
  void tokenizers_emitTokensOfEncoderWidth() {
    ModelConfig config = TinyModels.threeModalities(NormPlacement.PRE, Fusion.EARLY);
    ClientModel client = new ClientModel(manager, config, new Random(1));
    List<Tokens> tokens = client.forward(TinyModels.inputs(manager, config, 2, 1), TinyModels.masks(manager, config, 2, 1));
    assertThat(tokens.get(0).values().getShape()).isEqualTo(new Shape(2, 5, 8));
    assertThat(tokens.get(1).values().getShape()).isEqualTo(new Shape(2, 3, 8));
    assertThat(tokens.get(2).values().getShape()).isEqualTo(new Shape(2, 4, 8));
    assertThat(tokens.get(2).mask()).isNotNull();
  }

  @Test
  void tokenizer_wrongInputShape_saysWhichInputAndWhatItExpects() {
    ModelConfig config = TinyModels.threeModalities(NormPlacement.PRE, Fusion.EARLY);
    ClientModel client = new ClientModel(manager, config, new Random(1));
    Map<String, NDArray> inputs = new java.util.HashMap<>(TinyModels.inputs(manager, config, 2, 1));
    inputs.put("image", manager.zeros(new Shape(2, 1, 9, 9)));
    assertThatThrownBy(() -> client.forward(inputs, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'image'").hasMessageContaining("1, 8, 8").hasMessageContaining("(2, 1, 9, 9)");
  }

  @Test
  void serverModel_bothFusions_giveLogitsPerSample() {
    for (Fusion f : Fusion.values()) {
      for (NormPlacement n : NormPlacement.values()) {
        ModelConfig config = TinyModels.threeModalities(n, f);
        ClientModel client = new ClientModel(manager, config, new Random(1));
        ServerModel server = new ServerModel(manager, config, new Random(1));
        NDArray out = server.forward(client.forward(TinyModels.inputs(manager, config, 3, 1), Map.of()), false);
        assertThat(out.getShape()).as("%s %s", f, n).isEqualTo(new Shape(3, 3));
      }
    }
  }

  /** Padding must not influence the result: changing padded token ids leaves the logits unchanged. */
  @Test
  void serverModel_paddedTokens_doNotChangeOutput() {
    ModelConfig config = TinyModels.threeModalities(NormPlacement.POST, Fusion.EARLY);
    ClientModel client = new ClientModel(manager, config, new Random(1));
    ServerModel server = new ServerModel(manager, config, new Random(1));
    Map<String, NDArray> a = TinyModels.inputs(manager, config, 2, 1);
    Map<String, NDArray> b = new java.util.HashMap<>(a);
    long[] ids = a.get("text").toLongArray();
    ids[3] = (ids[3] + 1) % 20; // last token of row 0: padding under a mask with 1 padded token
    b.put("text", manager.create(ids, a.get("text").getShape()));
    Map<String, NDArray> masks = TinyModels.masks(manager, config, 2, 1);
    float[] outA = server.forward(client.forward(a, masks), false).toFloatArray();
    float[] outB = server.forward(client.forward(b, masks), false).toFloatArray();
    assertThat(outB).containsExactly(outA, org.assertj.core.data.Offset.offset(1e-5f));
  }

  @Test
  void serverModel_wrongActivationShape_namesTheModality() {
    ModelConfig config = TinyModels.threeModalities(NormPlacement.PRE, Fusion.EARLY);
    ServerModel server = new ServerModel(manager, config, new Random(1));
    List<Tokens> bad = List.of(new Tokens(manager.zeros(new Shape(2, 5, 8)), null),
        new Tokens(manager.zeros(new Shape(2, 4, 8)), null), new Tokens(manager.zeros(new Shape(2, 4, 8)), null));
    assertThatThrownBy(() -> server.forward(bad, false)).hasMessageContaining("'watch'").hasMessageContaining("(B, 3, 8)");
  }

  @Test
  void trainLastBlocks_freezesTheRest() {
    ModelConfig config = TinyModels.threeModalities(NormPlacement.PRE, Fusion.EARLY).withTrainableBlocks(1);
    ServerModel server = new ServerModel(manager, config, new Random(1));
    assertThat(server.trainableParameters().keySet())
        .noneMatch(n -> n.startsWith("encoder.blocks.0."))
        .anyMatch(n -> n.startsWith("encoder.blocks.1."))
        .contains("head.fc.weight", "encoder.norm.weight");
  }

  @Test
  void config_badTrainableBlocks_saysTheRange() {
    assertThatThrownBy(() -> TinyModels.threeModalities(NormPlacement.PRE, Fusion.EARLY).withTrainableBlocks(5))
        .hasMessageContaining("[0, 2]").hasMessageContaining("5");
  }
}
