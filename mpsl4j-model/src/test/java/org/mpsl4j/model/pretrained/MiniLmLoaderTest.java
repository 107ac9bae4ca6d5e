package org.mpsl4j.model.pretrained;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.NormPlacement;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.model.encoder.TransformerEncoder;
import org.mpsl4j.model.tokenizer.TextTokenizer;

/**
 * How the MiniLM loader maps the real ONNX graph, and how it fails: on a corrupt file, on a graph
 * whose data flow no longer says which layer a weight belongs to, and on a model of the wrong shape.
 * Graph edits are made on the parsed real graph, so each test changes exactly one thing.
 */
final class MiniLmLoaderTest {
  private static OnnxGraph graph;
  private static MiniLm weights;
  private static NDManager manager;

  @BeforeAll
  static void setUp() throws IOException {
    graph = OnnxGraph.readResource(MiniLm.class.getClassLoader(), MiniLm.ONNX_RESOURCE);
    weights = MiniLm.of(graph);
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void tearDown() {
    if (manager != null) {
      manager.close();
    }
  }

  /** 22,565,376 = 11,918,592 embedding + 6 × 1,774,464 per block; only position_ids is left out. */
  @Test
  void of_realGraph_holdsEveryEncoderAndEmbeddingScalar() {
    assertThat(weights.parameterCount()).isEqualTo(22_565_376L);
  }

  /**
   * Expected names were read off the file once by an independent script: the export numbers block 0
   * as 787 (query), 788 (key), 791 (value), 797, 798, 799, and block 5's output.dense as 864.
   */
  @Test
  void resolve_namesAnonymousMatMulWeightsByTheBiasTheirOutputGetsAdded() throws IOException {
    BertGraphNames.Resolution r = BertGraphNames.resolve(graph);
    assertThat(r.names()).containsEntry("onnx::MatMul_787", "encoder.layer.0.attention.self.query.weight")
        .containsEntry("onnx::MatMul_788", "encoder.layer.0.attention.self.key.weight")
        .containsEntry("onnx::MatMul_791", "encoder.layer.0.attention.self.value.weight")
        .containsEntry("onnx::MatMul_797", "encoder.layer.0.attention.output.dense.weight")
        .containsEntry("onnx::MatMul_798", "encoder.layer.0.intermediate.dense.weight")
        .containsEntry("onnx::MatMul_864", "encoder.layer.5.output.dense.weight")
        .containsEntry("encoder.layer.2.output.LayerNorm.bias", "encoder.layer.2.output.LayerNorm.bias");
    assertThat(r.matMulWeights()).hasSize(6 * 6).contains("onnx::MatMul_787", "onnx::MatMul_864");
  }

  @Test
  void of_biasAddRemoved_namesTheStrandedMatMulWeight() {
    OnnxGraph edited = editNodes(n -> n.inputs().contains("encoder.layer.3.attention.self.key.bias") ? null : n);
    assertThatThrownBy(() -> MiniLm.of(edited)).isInstanceOf(IOException.class)
        .hasMessageContaining("'onnx::MatMul_827'").hasMessageContaining("'*.bias'");
  }

  /** Swapping which bias each query Add uses makes names disagree with data flow; that must not load. */
  @Test
  void of_queryBiasesSwappedBetweenBlocks_failsTheBlockInputCheck() {
    String b1 = "encoder.layer.1.attention.self.query.bias";
    String b2 = "encoder.layer.2.attention.self.query.bias";
    OnnxGraph edited = editNodes(n -> {
      List<String> in = new ArrayList<>(n.inputs());
      in.replaceAll(s -> s.equals(b1) ? b2 : s.equals(b2) ? b1 : s);
      return new OnnxNode(n.opType(), n.name(), in, n.outputs());
    });
    assertThatThrownBy(() -> MiniLm.of(edited)).isInstanceOf(IOException.class)
        .hasMessageContaining("encoder.layer.2.attention.self.query.weight")
        .hasMessageContaining("block 2 should read");
  }

  @Test
  void of_unknownTensor_isNamed() {
    Map<String, OnnxInitializer> inits = new LinkedHashMap<>(graph.initializers());
    ByteBuffer zeros = ByteBuffer.allocate(384 * 4).order(ByteOrder.LITTLE_ENDIAN);
    inits.put("pooler.dense.bias", new OnnxInitializer("pooler.dense.bias", new long[] {384}, 1, zeros));
    OnnxGraph edited = OnnxGraph.of("edited graph", inits, graph.nodes());
    assertThatThrownBy(() -> MiniLm.of(edited)).isInstanceOf(IOException.class)
        .hasMessageContaining("'pooler.dense.bias'").hasMessageContaining("does not map");
  }

  @Test
  void of_weightWithWrongDataType_isNamed() {
    Map<String, OnnxInitializer> inits = new LinkedHashMap<>(graph.initializers());
    OnnxInitializer ln = inits.get("encoder.layer.4.output.LayerNorm.weight");
    inits.put(ln.name(), new OnnxInitializer(ln.name(), new long[] {192}, OnnxInitializer.INT64, ln.data()));
    assertThatThrownBy(() -> MiniLm.of(OnnxGraph.of("edited graph", inits, graph.nodes())))
        .hasMessageContaining("'encoder.layer.4.output.LayerNorm.weight' is INT64");
  }

  /** A wrong vocabulary is reported with the tensor and the fix, and nothing is half-loaded. */
  @Test
  void loadTextTokenizer_wrongVocabulary_namesTensorAndFix() {
    TextTokenizer text = new TextTokenizer(manager, TokenizerSpec.text("text", 8, 1000), 384, 1e-12f, new Random(0));
    assertThatThrownBy(() -> weights.loadTextTokenizer(text)).isInstanceOf(IOException.class)
        .hasMessageContaining("'embeddings.word_embeddings.weight'").hasMessageContaining("'word_embeddings.weight'")
        .hasMessageContaining("(30522, 384)").hasMessageContaining("vocabulary 30522");
    assertThat(text.namedParameters().get("norm.weight").array().toFloatArray()).containsOnly(1f);
  }

  /** A one-block pre-norm encoder: blocks 1–5 have nowhere to go and the final norm stays unloaded. */
  @Test
  void loadEncoder_wrongShapeOfEncoder_namesUnloadedAndUnmappedParameters() {
    EncoderConfig onePreNormBlock = new EncoderConfig(384, 1, 12, 1536, NormPlacement.PRE, 0f, 1e-12f);
    TransformerEncoder encoder = new TransformerEncoder(manager, onePreNormBlock, new Random(0));
    assertThatThrownBy(() -> weights.loadEncoder(encoder)).isInstanceOf(IOException.class)
        .hasMessageContaining("'norm.weight'").hasMessageContaining("left unloaded")
        .hasMessageContaining("which this encoder does not have").hasMessageContaining("more")
        .hasMessageContaining("MiniLm.config()");
  }

  @Test
  void read_truncatedFile_namesTheFileAndTheCut(@TempDir Path dir) throws IOException {
    Path cut = dir.resolve("cut.onnx");
    try (InputStream in = MiniLm.class.getClassLoader().getResourceAsStream(MiniLm.ONNX_RESOURCE)) {
      Files.write(cut, Objects.requireNonNull(in).readNBytes(1_000_000));
    }
    assertThatThrownBy(() -> OnnxGraph.read(cut)).isInstanceOf(IOException.class)
        .hasMessageContaining(cut.toString()).hasMessageContaining("is not a readable ONNX model")
        .hasMessageContaining("truncated");
  }

  @Test
  void read_tokenizerJsonInsteadOfOnnx_failsClearly(@TempDir Path dir) throws IOException {
    Path json = dir.resolve("tokenizer.json");
    try (InputStream in = MiniLm.class.getClassLoader().getResourceAsStream(MiniLm.TOKENIZER_RESOURCE)) {
      Files.write(json, Objects.requireNonNull(in).readAllBytes());
    }
    assertThatThrownBy(() -> MiniLm.read(json)).isInstanceOf(IOException.class)
        .hasMessageContaining(json + " is not a readable ONNX model");
  }

  @Test
  void read_emptyFile_saysThereIsNoGraph(@TempDir Path dir) throws IOException {
    Path empty = Files.createFile(dir.resolve("empty.onnx"));
    assertThatThrownBy(() -> OnnxGraph.read(empty)).isInstanceOf(IOException.class)
        .hasMessageContaining("has no graph");
  }

  @Test
  void read_missingFile_saysSo(@TempDir Path dir) {
    assertThatThrownBy(() -> MiniLm.read(dir.resolve("nope.onnx"))).isInstanceOf(IOException.class)
        .hasMessageContaining("does not exist");
  }

  /** The real graph with each node replaced by {@code f(node)}; null drops the node. */
  private static OnnxGraph editNodes(UnaryOperator<OnnxNode> f) {
    List<OnnxNode> nodes = graph.nodes().stream().map(f).filter(Objects::nonNull).toList();
    return OnnxGraph.of("edited graph", graph.initializers(), nodes);
  }
}
