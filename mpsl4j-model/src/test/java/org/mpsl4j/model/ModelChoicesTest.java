package org.mpsl4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Every combination of task, fusion and pooling, over data of one and of two modalities, either builds a
 * model whose forward pass has the task's output shape, or is refused with a message that names the fix.
 */
final class ModelChoicesTest {
  private static final List<TokenizerSpec> IMAGE_TEXT =
      List.of(TokenizerSpec.image("image", 1, 8, 8, 4), TokenizerSpec.text("text", 4, 20));
  private static final List<TokenizerSpec> IMAGE_ONLY = List.of(TokenizerSpec.image("image", 1, 8, 8, 4));
  private static final int WIDTH = 8;
  private static final int CLASSES = 3;

  static List<Arguments> combinations() {
    List<Arguments> out = new java.util.ArrayList<>();
    for (ModelChoices.Task task : ModelChoices.Task.values()) {
      for (Fusion fusion : Fusion.values()) {
        for (Pooling pooling : Pooling.values()) {
          out.add(Arguments.of(task, fusion, pooling, IMAGE_TEXT));
          out.add(Arguments.of(task, fusion, pooling, IMAGE_ONLY));
        }
      }
    }
    return out;
  }

  @ParameterizedTest(name = "{0} {1} {2} over {3}")
  @MethodSource("combinations")
  void everyCombination_buildsOrIsRefusedWithTheFix(ModelChoices.Task task, Fusion fusion, Pooling pooling,
      List<TokenizerSpec> inputs) {
    boolean retrieval = task == ModelChoices.Task.RETRIEVAL;
    if (retrieval && fusion == Fusion.EARLY) {
      assertThatThrownBy(() -> new ModelChoices(task, fusion, pooling))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("use --fusion late");
      assertThatThrownBy(() -> model(HeadConfig.projection(WIDTH), fusion, pooling, inputs))
          .as("ModelConfig refuses it too, whoever builds it").isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("--task retrieval");
      return;
    }
    ModelChoices choices = new ModelChoices(task, fusion, pooling);
    if (retrieval && inputs.size() != 2) {
      assertThatThrownBy(() -> model(choices.head(CLASSES, WIDTH), fusion, pooling, inputs))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pairs two modalities")
          .hasMessageContaining("[image]");
      return;
    }
    ModelConfig config = model(choices.head(CLASSES, WIDTH), fusion, pooling, inputs);
    try (NDManager m = NDManager.newBaseManager()) {
      Random rng = new Random(1);
      ClientModel client = new ClientModel(m, config, rng);
      ServerModel server = new ServerModel(m, config, rng);
      NDArray out = server.forward(client.forward(TinyModels.inputs(m, config, 5, 2), TinyModels.masks(m, config, 5, 1)),
          false);
      assertThat(out.getShape()).isEqualTo(new Shape(5, retrieval ? 2 * WIDTH : CLASSES));
    }
  }

  @Test
  void fingerprint_differsForEveryBuildableCombination() {
    // A client started with other choices is refused at Hello because its fingerprint differs.
    Set<String> fingerprints = new HashSet<>();
    int buildable = 0;
    for (ModelChoices.Task task : ModelChoices.Task.values()) {
      for (Fusion fusion : Fusion.values()) {
        for (Pooling pooling : Pooling.values()) {
          if (task == ModelChoices.Task.RETRIEVAL && fusion == Fusion.EARLY) {
            continue;
          }
          buildable++;
          fingerprints.add(model(new ModelChoices(task, fusion, pooling).head(CLASSES, WIDTH), fusion, pooling, IMAGE_TEXT)
              .fingerprint());
        }
      }
    }
    assertThat(buildable).isEqualTo(6);
    assertThat(fingerprints).hasSize(buildable);
  }

  private static ModelConfig model(HeadConfig head, Fusion fusion, Pooling pooling, List<TokenizerSpec> inputs) {
    ModelConfig.Builder b = ModelConfig.builder().setEncoder(EncoderConfig.small(WIDTH, 1, 2)).setHead(head)
        .optFusion(fusion).optPooling(pooling);
    inputs.forEach(b::addTokenizer);
    return b.build();
  }
}
