package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mpsl4j.engine.TrainedModel;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.ServerModel;
import org.mpsl4j.model.checkpoint.SafeTensors;

/**
 * A model whose fixed head stayed on the clients ({@code --head client-fixed}): the epoch-end average leaves the head
 * out, a deployed server saves the model without it, and loading such a model for {@code evaluate}/{@code predict}
 * needs a client's head file, with which it scores exactly like the model saved with its head.
 */
final class HeadlessModelTest {
  private static final ModelConfig FIXED_HEAD = HostileInputTest.MODEL.withHead(
      HostileInputTest.MODEL.head().placed(HeadConfig.Placement.CLIENT_FIXED));
  private static final List<String> CLASSES = List.of("a", "b", "c");

  @Test
  void averagedParameters_leaveAFixedHeadOut_butATrainedClientHeadIn() {
    assertThat(TokenizerAverage.averaged(FIXED_HEAD, "head.fc.weight")).isFalse();
    assertThat(TokenizerAverage.averaged(FIXED_HEAD, "image.projection.weight")).isTrue();
    ModelConfig trained = HostileInputTest.MODEL.withHead(HostileInputTest.MODEL.head().onClients());
    assertThat(TokenizerAverage.averaged(trained, "head.fc.weight")).isTrue();
  }

  @Test
  void modelSavedWithoutHead_isRefusedWithoutAHeadFile_andScoresLikeTheWholeModelWithOne(@TempDir Path dir)
      throws IOException {
    Path whole = dir.resolve("whole");
    Path headless = dir.resolve("headless");
    Path headFile = dir.resolve("client-0-head.safetensors");
    try (NDManager manager = NDManager.newBaseManager()) {
      Random rng = new Random(5);
      ClientModel client = new ClientModel(manager, FIXED_HEAD, rng);
      ServerModel server = new ServerModel(manager, FIXED_HEAD, rng);
      TrainedModel.save(client, server, whole, CLASSES, true);
      TrainedModel.save(client, server, headless, CLASSES, false);
      TrainedModel.saveHead(client, headFile, CLASSES);
    }
    assertThat(SafeTensors.read(headless.resolve(TrainedModel.TOKENIZERS_FILE)).keySet())
        .noneMatch(name -> name.startsWith("head."));

    assertThatThrownBy(() -> TrainedModel.load(headless, FIXED_HEAD))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("has no head: it was trained with the head on the clients (--head client-fixed)")
        .hasMessageContaining("--head-file");

    RandomDataset data = new RandomDataset(12, 3, 9);
    try (TrainedModel a = TrainedModel.load(whole, FIXED_HEAD);
        TrainedModel b = TrainedModel.load(headless, FIXED_HEAD, headFile)) {
      float[] expected = a.logits(data, 5);
      assertThat(expected).hasSize(12 * 3);
      assertThat(b.logits(data, 5)).containsExactly(expected);
    }
    assertThat(Files.exists(headFile)).isTrue();
  }
}
