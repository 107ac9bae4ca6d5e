package org.mpsl4j.model.pretrained;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.LongBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.model.encoder.TransformerEncoder;
import org.mpsl4j.model.tokenizer.TextTokenizer;
import org.mpsl4j.model.tokenizer.Tokens;

/**
 * Proves that mpsl4j's TextTokenizer + post-norm TransformerEncoder, filled by {@link MiniLm}, compute
 * exactly what the original all-MiniLM-L6-v2 ONNX graph computes: ONNX Runtime runs that graph as an
 * independent oracle on real sentences tokenized by the model's own tokenizer.json, and both the
 * last hidden states (at real tokens) and the mean-pooled sentence embeddings must agree within
 * {@value #TOLERANCE}. A control test swaps two blocks' weights to show that the comparison can fail.
 */
final class MiniLmExactnessTest {
  private static final double TOLERANCE = 1e-4;
  private static final List<String> SENTENCES = List.of(
      "Split learning keeps every label on the client that owns it.",
      "A man is playing a guitar on the stage while the crowd sings along.",
      "Cats sleep.",
      "The quick brown fox jumps over the lazy dog, then naps under an old oak tree.");

  private static int rows;
  private static int length;
  private static long[] ids;
  private static long[] mask;
  private static float[] oracle;
  private static NDManager manager;
  private static TransformerEncoder encoder;
  private static TextTokenizer text;

  @BeforeAll
  static void setUp() throws Exception {
    byte[] onnx = resource(MiniLm.ONNX_RESOURCE);
    tokenize();
    oracle = runOnnxRuntime(onnx);
    MiniLm weights = MiniLm.of(OnnxGraph.read(ByteBuffer.wrap(onnx), MiniLm.ONNX_RESOURCE));
    manager = NDManager.newBaseManager();
    encoder = weights.newEncoder(manager);
    text = new TextTokenizer(manager, MiniLm.textSpec("text", length), MiniLm.config().width(),
        MiniLm.config().layerNormEps(), new Random(0));
    weights.loadTextTokenizer(text);
  }

  @AfterAll
  static void tearDown() {
    if (manager != null) {
      manager.close();
    }
  }

  /** The batch must exercise padding, or the mask path would go untested. */
  @Test
  void tokenizedBatch_padsTheShortSentence() {
    int padded = 0;
    for (long m : mask) {
      padded += m == 0 ? 1 : 0;
    }
    assertThat(padded).as("padding tokens in the batch").isGreaterThan(0);
    assertThat(ids[0]).as("[CLS]").isEqualTo(101);
  }

  @Test
  void hiddenStates_matchOnnxRuntime() {
    Diff d = compare(forward());
    System.out.printf("max |mpsl4j - onnxruntime| hidden %.3e, pooled %.3e%n", d.hidden, d.pooled);
    assertThat(d.hidden).as("max abs difference of last hidden states at real tokens").isLessThan(TOLERANCE);
  }

  @Test
  void meanPooledEmbeddings_matchOnnxRuntime() {
    assertThat(compare(forward()).pooled).as("max abs difference of mean-pooled embeddings").isLessThan(TOLERANCE);
  }

  /** Control: the same comparison on a deliberately mis-mapped encoder must fail by a wide margin. */
  @Test
  void swappedFc1BetweenBlocks_failsTheComparison() {
    Parameter a = encoder.namedParameters().get("blocks.1.mlp.fc1.weight");
    Parameter b = encoder.namedParameters().get("blocks.2.mlp.fc1.weight");
    try (NDManager scope = manager.newSubManager()) {
      NDArray av = scope.create(a.array().toFloatArray(), a.shape());
      NDArray bv = scope.create(b.array().toFloatArray(), b.shape());
      a.copyFrom(bv);
      b.copyFrom(av);
      try {
        Diff d = compare(forward());
        System.out.printf("mis-mapped control: hidden %.3e, pooled %.3e%n", d.hidden, d.pooled);
        assertThat(d.hidden).isGreaterThan(100 * TOLERANCE);
        assertThat(d.pooled).isGreaterThan(100 * TOLERANCE);
      } finally {
        a.copyFrom(av);
        b.copyFrom(bv);
      }
    }
  }

  private record Diff(double hidden, double pooled) {}

  /** Max abs differences at real tokens, and of the mask-weighted mean over real tokens. */
  private static Diff compare(float[] ours) {
    int d = MiniLm.config().width();
    double hidden = 0;
    double pooled = 0;
    for (int r = 0; r < rows; r++) {
      double[] sumOurs = new double[d];
      double[] sumOracle = new double[d];
      int real = 0;
      for (int t = 0; t < length; t++) {
        if (mask[r * length + t] == 0) {
          continue;
        }
        real++;
        int base = (r * length + t) * d;
        for (int i = 0; i < d; i++) {
          hidden = Math.max(hidden, Math.abs(ours[base + i] - oracle[base + i]));
          sumOurs[i] += ours[base + i];
          sumOracle[i] += oracle[base + i];
        }
      }
      for (int i = 0; i < d; i++) {
        pooled = Math.max(pooled, Math.abs(sumOurs[i] - sumOracle[i]) / real);
      }
    }
    return new Diff(hidden, pooled);
  }

  /** mpsl4j's forward pass: (B, L, d) flattened. */
  private static float[] forward() {
    try (NDManager step = manager.newSubManager(); Autograd.NoGrad ignored = Autograd.noGrad()) {
      NDArray idArray = step.create(ids, new Shape(rows, length));
      NDArray maskArray = step.create(mask, new Shape(rows, length));
      Tokens tokens = text.forward(idArray, maskArray);
      return encoder.forward(tokens.values(), tokens.mask(), false).toFloatArray();
    }
  }

  /** Tokenizes {@link #SENTENCES} with MiniLM's tokenizer.json, padded to the longest. */
  private static void tokenize() throws IOException {
    try (InputStream json = MiniLm.class.getClassLoader().getResourceAsStream(MiniLm.TOKENIZER_RESOURCE);
        HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(json, Map.of("padding", "true"))) {
      Encoding[] enc = tokenizer.batchEncode(SENTENCES);
      rows = enc.length;
      length = enc[0].getIds().length;
      ids = new long[rows * length];
      mask = new long[rows * length];
      for (int r = 0; r < rows; r++) {
        assertThat(enc[r].getIds()).hasSize(length);
        assertThat(enc[r].getTypeIds()).as("TextTokenizer uses token type 0 only").containsOnly(0L);
        System.arraycopy(enc[r].getIds(), 0, ids, r * length, length);
        System.arraycopy(enc[r].getAttentionMask(), 0, mask, r * length, length);
      }
    }
  }

  /** The oracle: the unmodified ONNX graph in ONNX Runtime, basic (semantics-preserving) optimizations only. */
  private static float[] runOnnxRuntime(byte[] onnx) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    long[] shape = {rows, length};
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(2);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.BASIC_OPT);
      try (OrtSession session = env.createSession(onnx, options);
          OnnxTensor idTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
          OnnxTensor maskTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
          OnnxTensor typeTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[rows * length]), shape);
          OrtSession.Result result = session.run(
              Map.of("input_ids", idTensor, "attention_mask", maskTensor, "token_type_ids", typeTensor))) {
        OnnxTensor out = (OnnxTensor) result.get("last_hidden_state").orElseThrow();
        assertThat(out.getInfo().getShape()).containsExactly(rows, length, MiniLm.config().width());
        float[] flat = new float[rows * length * MiniLm.config().width()];
        out.getFloatBuffer().get(flat);
        return flat;
      }
    }
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = MiniLm.class.getClassLoader().getResourceAsStream(name)) {
      assertThat(in).as("class-path resource " + name).isNotNull();
      return in.readAllBytes();
    }
  }
}
