package org.mpsl4j.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.Fusion;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.NormPlacement;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.model.ServerModel;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.model.tokenizer.Tokens;
import org.mpsl4j.model.train.Losses;
import org.mpsl4j.protocol.v1.Tensor;

/**
 * The split-learning contract: cutting the model after the tokenizers and exchanging only bytes
 * (activations up, outputs down, output gradient up, cut-layer gradient down) gives exactly the
 * gradients of the uncut model on the same batch, on both sides of the cut.
 *
 * <p>The garbage collector is forced before every backward pass: a Java-owned scalar freed too early
 * corrupts libtorch gradients (docs/ARCHITECTURE.md, "Native memory and autograd"), and this is where it would show.
 */
final class SplitGradientEquivalenceTest {
  private static final int BATCH = 6;
  private NDManager manager;

  @BeforeEach
  void setUp() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void tearDown() {
    manager.close();
  }

  @ParameterizedTest
  @EnumSource(Fusion.class)
  void splitStep_gradientsEqualUncutModel(Fusion fusion) {
    ModelConfig config = ModelConfig.builder()
        .addTokenizer(TokenizerSpec.image("image", 1, 8, 8, 4))
        .addTokenizer(TokenizerSpec.audio("audio", 8, 8, 4))
        .addTokenizer(TokenizerSpec.text("text", 5, 30))
        .addTokenizer(TokenizerSpec.sensor("watch", 3, 8, 2))
        .setEncoder(new EncoderConfig(16, 2, 4, 32, NormPlacement.PRE, 0f, 1e-6f))
        .setHead(HeadConfig.classification(4))
        .optFusion(fusion)
        .optTrainableBlocks(1)
        .build();
    ClientModel client = new ClientModel(manager, config, new Random(1));
    ServerModel server = new ServerModel(manager, config, new Random(2));
    Map<String, NDArray> inputs = inputs(config);
    Map<String, NDArray> masks = Map.of("text", manager.create(new float[] {
        1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1}, new Shape(BATCH, 5)));
    NDArray labels = manager.create(new long[] {0, 1, 2, 3, 1, 2});

    Map<String, float[]> uncut = uncutGradients(client, server, inputs, masks, labels);
    Map<String, float[]> split = splitGradients(client, server, inputs, masks, labels);

    assertThat(split.keySet()).containsExactlyInAnyOrderElementsOf(uncut.keySet());
    assertThat(split).hasSizeGreaterThan(20);
    for (String name : uncut.keySet()) {
      float[] a = uncut.get(name);
      float[] b = split.get(name);
      assertThat(maxAbsDiff(a, b)).as("gradient of %s", name).isLessThanOrEqualTo(1e-6f);
      assertThat(maxAbs(a)).as("gradient of %s is not trivially zero", name).isGreaterThan(0f);
    }
  }

  private Map<String, float[]> uncutGradients(
      ClientModel client, ServerModel server, Map<String, NDArray> inputs, Map<String, NDArray> masks, NDArray labels) {
    client.zeroGradients();
    server.zeroGradients();
    try (NDManager step = manager.newSubManager()) {
      try (Autograd.Recording r = Autograd.record()) {
        NDArray logits = server.forward(client.forward(inputs, masks), true);
        NDArray loss = Losses.crossEntropy(logits, labels);
        System.gc();
        Autograd.backward(loss);
      }
      return gradients(client, server, step);
    }
  }

  private Map<String, float[]> splitGradients(
      ClientModel client, ServerModel server, Map<String, NDArray> inputs, Map<String, NDArray> masks, NDArray labels) {
    client.zeroGradients();
    server.zeroGradients();
    TensorLimits limits = TensorLimits.lenient();
    try (NDManager clientStep = manager.newSubManager(); NDManager serverStep = manager.newSubManager()) {
      // 1. client: tokenize and send activations (and padding masks) as bytes
      List<Tokens> activations;
      List<Tensor> upValues = new ArrayList<>();
      List<Tensor> upMasks = new ArrayList<>();
      try (Autograd.Recording r = Autograd.record()) {
        activations = client.forward(inputs, masks);
      }
      for (Tokens t : activations) {
        upValues.add(TensorCodec.encode(t.values()));
        upMasks.add(t.mask() == null ? null : TensorCodec.encode(t.mask()));
      }
      // 2. server: rebuild fresh leaves, one forward, send outputs as bytes
      List<Tokens> received = new ArrayList<>();
      for (int i = 0; i < upValues.size(); i++) {
        NDArray leaf = Autograd.leaf(TensorCodec.decode(upValues.get(i), serverStep, limits, "activations " + i));
        NDArray mask = upMasks.get(i) == null ? null : TensorCodec.decode(upMasks.get(i), serverStep, limits, "mask " + i);
        received.add(new Tokens(leaf, mask));
      }
      NDArray serverOut;
      try (Autograd.Recording r = Autograd.record()) {
        serverOut = server.forward(received, true);
      }
      Tensor outputs = TensorCodec.encode(serverOut);
      // 3. client: loss from its own labels, output gradient as bytes
      NDArray z = Autograd.leaf(TensorCodec.decode(outputs, clientStep, limits, "outputs"));
      try (Autograd.Recording r = Autograd.record()) {
        NDArray loss = Losses.crossEntropy(z, labels);
        System.gc();
        Autograd.backward(loss);
      }
      Tensor outputGrad = TensorCodec.encode(z.getGradient());
      // 4. server: backward of the received output gradient, send cut-layer gradients
      System.gc();
      Autograd.backward(serverOut, TensorCodec.decode(outputGrad, serverStep, limits, "output gradient"));
      List<Tensor> cutGrads = new ArrayList<>();
      for (Tokens t : received) {
        cutGrads.add(TensorCodec.encode(t.values().getGradient()));
      }
      // 5. client: backpropagate the cut-layer gradients into the tokenizers
      for (int i = 0; i < activations.size(); i++) {
        System.gc();
        NDArray g = TensorCodec.decode(cutGrads.get(i), clientStep, limits, "cut gradient " + i);
        Autograd.backward(activations.get(i).values(), g);
      }
      return gradients(client, server, clientStep);
    }
  }

  private static Map<String, float[]> gradients(ClientModel client, ServerModel server, NDManager scope) {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : client.trainableParameters().entrySet()) {
      out.put("client." + e.getKey(), e.getValue().gradient(scope).toFloatArray());
    }
    for (Map.Entry<String, Parameter> e : server.trainableParameters().entrySet()) {
      out.put("server." + e.getKey(), e.getValue().gradient(scope).toFloatArray());
    }
    return out;
  }

  private Map<String, NDArray> inputs(ModelConfig config) {
    Random rng = new Random(3);
    Map<String, NDArray> out = new LinkedHashMap<>();
    for (TokenizerSpec t : config.tokenizers()) {
      int[] s = t.inputShape();
      long[] shape = new long[s.length + 1];
      shape[0] = BATCH;
      for (int i = 0; i < s.length; i++) {
        shape[i + 1] = s[i];
      }
      int n = Math.toIntExact(new Shape(shape).size());
      if (t.vocabSize() > 0) {
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
          ids[i] = rng.nextInt(t.vocabSize());
        }
        out.put(t.input(), manager.create(ids, new Shape(shape)));
      } else {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
          v[i] = (float) rng.nextGaussian();
        }
        out.put(t.input(), manager.create(v, new Shape(shape)).toType(DataType.FLOAT32, false));
      }
    }
    return out;
  }

  private static float maxAbsDiff(float[] a, float[] b) {
    float m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  private static float maxAbs(float[] a) {
    float m = 0;
    for (float v : a) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }
}
