package org.mpsl4j.model.pretrained;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.Fusion;
import org.mpsl4j.model.NormPlacement;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.model.ServerModel;
import org.mpsl4j.model.TinyModels;
import org.mpsl4j.model.checkpoint.Checkpoints;
import org.mpsl4j.model.encoder.TransformerEncoder;

/** The {@code --encoder} choices: pretrained MiniLM, scratch, and mpsl4j safetensors checkpoints. */
final class MiniLmEncoderSourceTest {
  private static final EncoderConfig TINY = EncoderConfig.small(8, 2, 2);
  @TempDir Path dir;
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
  void parse_namesAreCaseInsensitive() {
    assertThat(EncoderSource.parse(" MiniLM-L6 ")).isInstanceOf(EncoderSource.Pretrained.class);
    assertThat(EncoderSource.parse("scratch")).isInstanceOf(EncoderSource.Scratch.class);
  }

  @Test
  void parse_unknown_listsTheChoices() {
    assertThatThrownBy(() -> EncoderSource.parse("bert-base")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("minilm-l6").hasMessageContaining("scratch").hasMessageContaining("safetensors");
  }

  @Test
  void scratch_keepsTheConfiguredShapeAndTheSeededInit() throws IOException {
    EncoderSource s = EncoderSource.parse("scratch");
    TransformerEncoder encoder = new TransformerEncoder(manager, s.config(TINY), new Random(3));
    float[] before = encoder.namedParameters().get("blocks.0.attn.qkv.weight").array().toFloatArray();
    s.initialize(encoder);
    assertThat(encoder.namedParameters().get("blocks.0.attn.qkv.weight").array().toFloatArray()).containsExactly(before);
  }

  /** The first d rows of block 0's fused qkv bias are the ONNX query bias. */
  @Test
  void pretrained_buildsMiniLmShapeAndLoadsItsWeights() throws IOException {
    EncoderSource s = EncoderSource.parse("minilm-l6");
    assertThat(s.config(TINY)).isEqualTo(EncoderConfig.miniLmL6());
    TransformerEncoder encoder = new TransformerEncoder(manager, s.config(TINY), new Random(0));
    s.initialize(encoder);
    float[] qkvBias = encoder.namedParameters().get("blocks.0.attn.qkv.bias").array().toFloatArray();
    float[] query = OnnxGraph.readResource(MiniLm.class.getClassLoader(), MiniLm.ONNX_RESOURCE).initializers()
        .get("encoder.layer.0.attention.self.query.bias").floats();
    assertThat(Arrays.copyOf(qkvBias, 384)).containsExactly(query);
  }

  /** A whole server checkpoint (encoder.* and head.*) fills a bare encoder; the head is skipped. */
  @Test
  void checkpoint_ofServerModel_loadsTheEncoderPart() throws IOException {
    ServerModel server = new ServerModel(manager, TinyModels.threeModalities(NormPlacement.PRE, Fusion.EARLY),
        new Random(1));
    Path file = dir.resolve("server.safetensors");
    Checkpoints.save(server, file, Map.of());
    EncoderSource s = EncoderSource.parse(file.toString());
    TransformerEncoder encoder = new TransformerEncoder(manager, s.config(server.encoder().config()), new Random(2));
    s.initialize(encoder);
    assertSameValues(server.encoder(), encoder);
  }

  @Test
  void checkpoint_ofBareEncoder_loadsStrictly() throws IOException {
    TransformerEncoder saved = new TransformerEncoder(manager, TINY, new Random(1));
    Path file = dir.resolve("encoder.safetensors");
    Checkpoints.save(saved, file, Map.of());
    TransformerEncoder loaded = new TransformerEncoder(manager, TINY, new Random(2));
    EncoderSource.parse(file.toString()).initialize(loaded);
    assertSameValues(saved, loaded);
  }

  @Test
  void checkpoint_withoutEncoder_saysWhatIsMissing() throws IOException {
    Path file = dir.resolve("head.safetensors");
    ServerModel server = new ServerModel(manager, TinyModels.threeModalities(NormPlacement.PRE, Fusion.EARLY),
        new Random(1));
    Checkpoints.save(server.head(), file, Map.of());
    assertThatThrownBy(() -> EncoderSource.parse(file.toString()).initialize(new TransformerEncoder(manager, TINY,
        new Random(0)))).isInstanceOf(IOException.class).hasMessageContaining("blocks.0.norm1.weight");
  }

  private static void assertSameValues(TransformerEncoder expected, TransformerEncoder actual) {
    Map<String, Parameter> a = actual.namedParameters();
    assertThat(a.keySet()).isEqualTo(expected.namedParameters().keySet());
    expected.namedParameters().forEach((name, p) ->
        assertThat(a.get(name).array().toFloatArray()).as(name).containsExactly(p.array().toFloatArray()));
  }
}
