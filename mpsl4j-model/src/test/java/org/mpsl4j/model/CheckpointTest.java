package org.mpsl4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mpsl4j.model.checkpoint.Checkpoints;
import org.mpsl4j.model.checkpoint.SafeTensors;

final class CheckpointTest {
  @TempDir Path dir;
  private NDManager manager;
  private final ModelConfig config = TinyModels.threeModalities(NormPlacement.PRE, Fusion.EARLY);

  @BeforeEach
  void setUp() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void tearDown() {
    manager.close();
  }

  @Test
  void saveThenLoad_restoresEveryParameterExactly() throws IOException {
    ServerModel saved = new ServerModel(manager, config, new Random(1));
    ServerModel loaded = new ServerModel(manager, config, new Random(99));
    Path file = dir.resolve("server.safetensors");
    Checkpoints.save(saved, file, Map.of("format", "mpsl4j"));

    Checkpoints.load(loaded, file, true);

    for (Map.Entry<String, Parameter> e : saved.namedParameters().entrySet()) {
      assertThat(loaded.namedParameters().get(e.getKey()).array().toFloatArray())
          .as(e.getKey()).containsExactly(e.getValue().array().toFloatArray());
    }
    assertThat(SafeTensors.metadata(file)).containsEntry("format", "mpsl4j");
  }

  /** The names are the documented PyTorch-style ones, so a state_dict mapping can load them. */
  @Test
  void save_usesPyTorchStyleNames() throws IOException {
    Path file = dir.resolve("server.safetensors");
    Checkpoints.save(new ServerModel(manager, config, new Random(1)), file, Map.of());
    assertThat(SafeTensors.read(file).keySet()).contains(
        "encoder.blocks.0.attn.qkv.weight", "encoder.blocks.1.mlp.fc2.bias", "encoder.norm.weight", "head.fc.weight");
    Path client = dir.resolve("client.safetensors");
    Checkpoints.save(new ClientModel(manager, config, new Random(1)), client, Map.of());
    assertThat(SafeTensors.read(client).keySet()).contains(
        "image.proj.weight", "image.cls_token", "image.pos_embed", "text.word_embeddings.weight", "watch.norm.bias");
  }

  @Test
  void load_wrongShape_namesTheTensor() throws IOException {
    Path file = dir.resolve("server.safetensors");
    Checkpoints.save(new ServerModel(manager, config, new Random(1)), file, Map.of());
    ModelConfig wider = ModelConfig.builder().addTokenizer(config.tokenizers().get(0))
        .setEncoder(new EncoderConfig(16, 2, 2, 16, NormPlacement.PRE, 0f, 1e-6f))
        .setHead(HeadConfig.classification(3)).build();
    assertThatThrownBy(() -> Checkpoints.load(new ServerModel(manager, wider, new Random(1)), file, true))
        .isInstanceOf(IOException.class).hasMessageContaining("encoder.blocks.0.").hasMessageContaining("needs F32(16)");
  }

  /**
   * The header is written in one order: metadata keys sorted and each tensor's fields as dtype, shape, data_offsets,
   * whatever the iteration order of the maps handed in, so identical runs save byte-identical files.
   */
  @Test
  void write_headerOrderDoesNotDependOnTheMapsOrder() throws IOException {
    Map<String, String> metadata = new java.util.HashMap<>();
    for (String k : new String[] {"zeta", "alpha", "mpsl4j.model", "b", "mpsl4j.layout"}) {
      metadata.put(k, k.toUpperCase(java.util.Locale.ROOT));
    }
    ByteBuffer data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1f).putFloat(2f).flip();
    Path file = dir.resolve("ordered.safetensors");
    SafeTensors.write(file, Map.of("w", new SafeTensors.Entry("F32", new long[] {2}, data)), metadata);
    byte[] bytes = Files.readAllBytes(file);
    long length = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    String header = new String(bytes, 8, (int) length, java.nio.charset.StandardCharsets.UTF_8).strip();
    assertThat(header).isEqualTo("{\"__metadata__\":{\"alpha\":\"ALPHA\",\"b\":\"B\",\"mpsl4j.layout\":\"MPSL4J.LAYOUT\","
        + "\"mpsl4j.model\":\"MPSL4J.MODEL\",\"zeta\":\"ZETA\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2],"
        + "\"data_offsets\":[0,8]}}");
  }

  @Test
  void read_truncatedFile_saysCorrupt() throws IOException {
    Path file = dir.resolve("server.safetensors");
    Checkpoints.save(new ServerModel(manager, config, new Random(1)), file, Map.of());
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 100));
    assertThatThrownBy(() -> SafeTensors.read(file)).isInstanceOf(IOException.class).hasMessageContaining("corrupt");
  }

  @Test
  void read_absurdHeaderLength_isRejectedBeforeAllocating() throws IOException {
    Path file = dir.resolve("bad.safetensors");
    Files.write(file, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE / 2).array());
    assertThatThrownBy(() -> SafeTensors.read(file)).isInstanceOf(IOException.class).hasMessageContaining("header length");
  }
}
