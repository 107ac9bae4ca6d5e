package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mpsl4j.core.data.BatchTensors;
import org.mpsl4j.engine.grpc.ClientRunner;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.model.ServerModel;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.model.tokenizer.Tokens;
import org.mpsl4j.model.train.Adam;
import org.mpsl4j.model.train.Losses;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.TensorLimits;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.DType;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.Tensor;

/** The MPSL method's key properties, checked on the real protocol over gRPC's in-process transport. */
final class MpslProtocolTest {
  private static final long SEED = 2024;
  private static final float LR = 1e-3f;
  private static final ModelConfig MODEL = ModelConfig.builder()
      .addTokenizer(TokenizerSpec.image("image", 1, 8, 8, 4))
      .addTokenizer(TokenizerSpec.text("text", 5, 30))
      .setEncoder(EncoderConfig.small(16, 2, 4))
      .setHead(HeadConfig.classification(3))
      .optTrainableBlocks(1)
      .build();

  private static ServerConfig serverConfig(int clients, int epochs) {
    return new ServerConfig(clients, epochs, LR, 5, 0.1f, Duration.ofSeconds(30), Duration.ofSeconds(30), Map.of(), null, 16);
  }

  /**
   * One MPSL step with 4 clients (batches 3, 3, 2, 3) equals one centralized step on the concatenated
   * batch with loss Σ(bᵢ/B)Lᵢ: the server parameters after the step, and each client's cut-layer
   * gradient versus the centralized gradient of its slice.
   */
  @Test
  void oneStep_fourClients_equalsCentralizedStep() throws Exception {
    RandomDataset data = new RandomDataset(11, 3, 5);
    int[][] parts = {{0, 1, 2}, {3, 4, 5}, {6, 7}, {8, 9, 10}};
    Map<String, float[]> mpslServerParams = new HashMap<>();
    Map<String, float[]> cutGrads = new HashMap<>();
    Map<String, int[]> batches = new HashMap<>();
    try (MpslServer server = new MpslServer(serverConfig(4, 1), MODEL, SEED);
        InProcessMpsl net = new InProcessMpsl(server)) {
      List<ClientRunner> runners = new ArrayList<>();
      for (int i = 0; i < parts.length; i++) {
        MpslClient c = new MpslClient(new ClientConfig("c" + i, "", 3, SEED, 100 + i), MODEL, data, parts[i], LR);
        batches.put("c" + i, c.epochOrder(0));
        runners.add(net.connect(c));
      }
      server.train(s -> server.model().namedParameters().forEach((n, p) -> mpslServerParams.put(n, p.array().toFloatArray())));
      net.awaitClients();
      // Sessions are numbered in the order their Hellos arrived.
      Map<Long, String> sessionToClient = new HashMap<>();
      List<ClientMessage> hellos = net.received.stream().filter(ClientMessage::hasHello).toList();
      for (int i = 0; i < hellos.size(); i++) {
        sessionToClient.put((long) i + 1, hellos.get(i).getHello().getClientId());
      }
      try (NDManager m = NDManager.newBaseManager()) {
        for (ServerMessage msg : net.sent) {
          if (msg.hasCutGrad()) {
            cutGrads.put(sessionToClient.get(msg.getSessionId()),
                TensorCodec.decode(msg.getCutGrad().getGrads(0), m, TensorLimits.lenient(), "cut").toFloatArray());
          }
        }
      }
      runners.forEach(r -> r.client().close());
    }
    assertThat(cutGrads).hasSize(4);

    // Centralized reference: the same initial model, the same rows, one backward of the mean loss.
    try (NDManager m = NDManager.newBaseManager()) {
      Random rng = new Random(SEED);
      ClientModel tokenizers = new ClientModel(m, MODEL, rng);
      ServerModel serverModel = new ServerModel(m, MODEL, rng);
      List<NDArray> imageLeaves = new ArrayList<>();
      List<Tokens> textTokens = new ArrayList<>();
      List<NDArray> labels = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        BatchTensors b = BatchTensors.of(data.batch(batches.get("c" + i)), m);
        List<Tokens> t = tokenizers.forward(b.inputs(), b.masks());
        imageLeaves.add(Autograd.leaf(t.get(0).values()));
        textTokens.add(t.get(1));
        labels.add(b.labels());
      }
      try (Autograd.Recording r = Autograd.record()) {
        NDArray image = NDArrays.concat(new NDList(imageLeaves), 0);
        NDArray text = NDArrays.concat(new NDList(textTokens.stream().map(Tokens::values).toList()), 0);
        NDArray mask = NDArrays.concat(new NDList(textTokens.stream().map(Tokens::mask).toList()), 0);
        NDArray loss = Losses.crossEntropy(serverModel.forward(List.of(new Tokens(image, null), new Tokens(text, mask)), true),
            NDArrays.concat(new NDList(labels), 0));
        System.gc();
        Autograd.backward(loss);
      }
      for (int i = 0; i < 4; i++) {
        assertThat(maxAbsDiff(cutGrads.get("c" + i), imageLeaves.get(i).getGradient().toFloatArray()))
            .as("cut-layer gradient of client c%d", i).isLessThanOrEqualTo(1e-6f);
      }
      try (NDManager scope = m.newSubManager()) {
        new Adam(m, LR).step(serverModel.namedParameters(), scope);
      }
      for (Map.Entry<String, Parameter> e : serverModel.namedParameters().entrySet()) {
        assertThat(maxAbsDiff(mpslServerParams.get(e.getKey()), e.getValue().array().toFloatArray()))
            .as("server parameter %s after one step", e.getKey()).isLessThanOrEqualTo(1e-5f);
      }
    }
  }

  /**
   * No label field exists in any message type, and no integer tensor (the form a label vector would take) goes up in
   * a real run. This checks fields, not information: the output gradients reveal every label to the server, which
   * PlainLeakTest (mpsl4j-privacy) measures, with the defenses, in docs/PRIVACY.md.
   */
  @Test
  void run_noLabelFieldOrIntegerTensorGoesUp() throws Exception {
    for (Descriptors.Descriptor d : org.mpsl4j.protocol.v1.Mpsl.getDescriptor().getMessageTypes()) {
      for (Descriptors.FieldDescriptor f : d.getFields()) {
        assertThat(f.getName()).as("field %s.%s", d.getName(), f.getName())
            .doesNotContainIgnoringCase("label").doesNotContainIgnoringCase("target").doesNotContainIgnoringCase("class");
      }
    }
    RandomDataset data = new RandomDataset(24, 3, 6);
    try (MpslServer server = new MpslServer(serverConfig(3, 2), MODEL, SEED);
        InProcessMpsl net = new InProcessMpsl(server)) {
      List<ClientRunner> runners = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        int[] part = {i * 8, i * 8 + 1, i * 8 + 2, i * 8 + 3, i * 8 + 4, i * 8 + 5, i * 8 + 6, i * 8 + 7};
        runners.add(net.connect(new MpslClient(new ClientConfig("c" + i, "", 4, SEED, i), MODEL, data, part, LR)));
      }
      server.train(s -> {});
      net.awaitClients();
      assertThat(net.received).hasSizeGreaterThan(20);
      for (ClientMessage m : net.received) {
        for (Tensor t : tensorsIn(m)) {
          // Upstream tensors are activations, masks, output gradients and tokenizer weights: all float.
          // Labels are integers; an INT64 tensor going up would be the only way to carry them.
          assertThat(t.getDtype()).as("dtype of a tensor in %s", m.getBodyCase()).isEqualTo(DType.FLOAT32);
        }
        if (m.hasActivations()) {
          // (b, T, d) activations and (b, T) masks only: nothing shaped like a label vector (b).
          m.getActivations().getInputsList().forEach(a -> assertThat(a.getValues().getShapeCount()).isEqualTo(3));
        }
      }
      runners.forEach(r -> r.client().close());
    }
  }

  /** The server holds one model and one optimizer state whatever the number of clients. */
  @Test
  void serverState_sameForTwoAndFiftyClients() throws Exception {
    assertThat(serverState(2)).isEqualTo(serverState(50));
  }

  private long[] serverState(int clients) throws Exception {
    RandomDataset data = new RandomDataset(clients * 2, 3, 7);
    try (MpslServer server = new MpslServer(serverConfig(clients, 1), MODEL, SEED);
        InProcessMpsl net = new InProcessMpsl(server)) {
      List<ClientRunner> runners = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        runners.add(net.connect(new MpslClient(new ClientConfig("c" + i, "", 2, SEED, i), MODEL, data,
            new int[] {2 * i, 2 * i + 1}, LR)));
      }
      server.train(s -> {});
      net.awaitClients();
      runners.forEach(r -> r.client().close());
      return new long[] {server.model().parameterCount(false), server.optimizerStateCount()};
    }
  }

  private static List<Tensor> tensorsIn(Message m) {
    List<Tensor> out = new ArrayList<>();
    if (m instanceof Tensor t) {
      out.add(t);
      return out;
    }
    for (Map.Entry<Descriptors.FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      if (e.getKey().getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE) {
        if (e.getKey().isRepeated()) {
          for (Object o : (List<?>) e.getValue()) {
            out.addAll(tensorsIn((Message) o));
          }
        } else {
          out.addAll(tensorsIn((Message) e.getValue()));
        }
      }
    }
    return out;
  }

  private static float maxAbs(float[] a) {
    float m = 0;
    for (float v : a) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }

  private static float maxAbsDiff(float[] a, float[] b) {
    assertThat(a).hasSameSizeAs(b);
    float max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }
}
