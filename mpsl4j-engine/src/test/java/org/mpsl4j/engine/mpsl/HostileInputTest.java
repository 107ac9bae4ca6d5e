package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mpsl4j.engine.grpc.ClientRunner;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.Codec;
import org.mpsl4j.protocol.v1.DType;
import org.mpsl4j.protocol.v1.ErrorCode;
import org.mpsl4j.protocol.v1.NamedTensor;
import org.mpsl4j.protocol.v1.ParameterSet;

/**
 * Each kind of broken or hostile message, sent by a client during a real run next to an honest
 * client: every one is answered with a precise Error to its sender alone, never applied, and the run
 * completes with the honest client untouched and the server model finite.
 */
final class HostileInputTest {
  private static final long SEED = 3;
  private static final float LR = 1e-3f;
  static final ModelConfig MODEL = RandomDataset.model();
  private static final long T = MODEL.tokenizers().get(0).tokens();
  private static final long D = MODEL.encoder().width();

  enum Mode { REPLACE, BEFORE, AFTER }

  /** One hostile edit of a real reply, and the Error it must draw. */
  record Mutation(String name, ClientMessage.BodyCase kind, Mode mode, UnaryOperator<ClientMessage> edit,
      ErrorCode code, String fragment) {}

  private static List<Mutation> mutations() {
    Random rng = new Random(1);
    ClientMessage.BodyCase acts = ClientMessage.BodyCase.ACTIVATIONS;
    ClientMessage.BodyCase grad = ClientMessage.BodyCase.OUTPUT_GRAD;
    ClientMessage.BodyCase weights = ClientMessage.BodyCase.TOKENIZER_WEIGHTS;
    ErrorCode bad = ErrorCode.MALFORMED_TENSOR;
    List<Mutation> m = new ArrayList<>();
    m.add(new Mutation("stale step", acts, Mode.BEFORE, msg -> msg.toBuilder().setStep(msg.getStep() - 1).build(), ErrorCode.STALE_STEP, "arrived during step"));
    m.add(new Mutation("future step", acts, Mode.BEFORE, msg -> msg.toBuilder().setStep(msg.getStep() + 1000).build(), ErrorCode.STALE_STEP, "arrived during step"));
    m.add(new Mutation("another session", acts, Mode.BEFORE, msg -> msg.toBuilder().setSessionId(msg.getSessionId() + 100).build(), ErrorCode.UNEXPECTED_MESSAGE, "carries session"));
    m.add(new Mutation("replayed", acts, Mode.AFTER, msg -> msg, ErrorCode.STALE_STEP, "duplicate ACTIVATIONS"));
    m.add(new Mutation("second Hello", acts, Mode.BEFORE, msg -> msg.toBuilder().setHello(org.mpsl4j.protocol.v1.Hello.newBuilder().setClientId("x")).build(), ErrorCode.UNEXPECTED_MESSAGE, "already has session"));
    m.add(new Mutation("foreign message type", acts, Mode.BEFORE, msg -> msg.toBuilder().setModelUpdate(ParameterSet.getDefaultInstance()).build(), ErrorCode.UNEXPECTED_MESSAGE, "not part of the MPSL protocol"));
    m.add(new Mutation("empty body", acts, Mode.BEFORE, msg -> msg.toBuilder().clearBody().build(), ErrorCode.UNEXPECTED_MESSAGE, "BODY_NOT_SET"));
    m.add(new Mutation("wrong shape", acts, Mode.REPLACE, values(v -> Mutants.reshaped(v, DType.FLOAT32, 1, T + 1, D)), bad, "shape"));
    m.add(new Mutation("wrong dtype", acts, Mode.REPLACE, values(v -> Mutants.reshaped(v, DType.INT64, 1, T, D)), bad, "dtype INT64"));
    m.add(new Mutation("unknown codec", acts, Mode.REPLACE, values(v -> v.toBuilder().setCodec(Codec.CODEC_UNSPECIFIED).build()), bad, "unsupported codec"));
    m.add(new Mutation("NaN", acts, Mode.REPLACE, values(v -> Mutants.withValue(v, 7, Float.NaN)), bad, "NaN or infinite"));
    m.add(new Mutation("infinity", acts, Mode.REPLACE, values(v -> Mutants.withValue(v, 3, Float.NEGATIVE_INFINITY)), bad, "NaN or infinite"));
    m.add(new Mutation("huge value", acts, Mode.REPLACE, values(v -> Mutants.withValue(v, 0, 1e20f)), bad, "values beyond"));
    m.add(new Mutation("empty tensor", acts, Mode.REPLACE, values(v -> Mutants.reshaped(v, DType.FLOAT32, 0, T, D)), bad, "dimension 0 is 0"));
    m.add(new Mutation("oversized tensor", acts, Mode.REPLACE, values(v -> Mutants.shapeOnly(v, 1_000_000, T, D)), bad, "more than"));
    m.add(new Mutation("overflowing shape", acts, Mode.REPLACE, values(v -> Mutants.shapeOnly(v, 4, 1L << 62, D)), bad, "cannot decode"));
    m.add(new Mutation("truncated data", acts, Mode.REPLACE, values(v -> v.toBuilder().setData(v.getData().substring(4)).build()), bad, "bytes but the message has"));
    m.add(new Mutation("mask on an image", acts, Mode.REPLACE, msg -> Mutants.editInput(msg, 0, a -> a.setMask(Mutants.floats(rng, 1, T))), bad, "only for text"));
    m.add(new Mutation("mask not 0/1", acts, Mode.REPLACE, msg -> Mutants.editInput(msg, 1, a -> a.setMask(Mutants.withValue(a.getMask(), 1, 0.5f))), bad, "0 or 1"));
    m.add(new Mutation("wrong input", acts, Mode.REPLACE, msg -> Mutants.editInput(msg, 0, a -> a.setInput("audio")), bad, "got input 'audio'"));
    m.add(new Mutation("missing input", acts, Mode.REPLACE, msg -> Mutants.editInputs(msg, a -> a.removeInputs(1)), bad, "1 activations but the model has 2"));
    m.add(new Mutation("batch above limit", acts, Mode.REPLACE, values(v -> Mutants.reshaped(v, DType.FLOAT32, 9, T, D)), bad, "b ≤ 8"));
    m.add(new Mutation("gradient of wrong shape", grad, Mode.REPLACE, msg -> msg.toBuilder().setOutputGrad(msg.getOutputGrad().toBuilder()
        .setGrad(Mutants.reshaped(msg.getOutputGrad().getGrad(), DType.FLOAT32, 1, 4))).build(), bad, "shape"));
    m.add(new Mutation("gradient NaN", grad, Mode.REPLACE, msg -> msg.toBuilder().setOutputGrad(msg.getOutputGrad().toBuilder()
        .setGrad(Mutants.withValue(msg.getOutputGrad().getGrad(), 0, Float.NaN))).build(), bad, "NaN or infinite"));
    m.add(new Mutation("negative loss", grad, Mode.REPLACE, msg -> msg.toBuilder().setOutputGrad(msg.getOutputGrad().toBuilder().setLoss(-1)).build(), bad, "loss -1.0"));
    m.add(new Mutation("more correct than samples", grad, Mode.REPLACE, msg -> msg.toBuilder().setOutputGrad(msg.getOutputGrad().toBuilder().setCorrect(2)).build(), bad, "correct 2"));
    m.add(new Mutation("unknown tokenizer parameter", weights, Mode.REPLACE, msg -> msg.toBuilder().setTokenizerWeights(msg.getTokenizerWeights().toBuilder()
        .addParameters(NamedTensor.newBuilder().setName("evil").setTensor(Mutants.floats(rng, 1)))).build(), bad, "unknown or repeated"));
    return m;
  }

  private static UnaryOperator<ClientMessage> values(UnaryOperator<org.mpsl4j.protocol.v1.Tensor> edit) {
    return msg -> Mutants.editInput(msg, 0, a -> a.setValues(edit.apply(a.getValues())));
  }

  @Test
  @Timeout(60)
  void everyHostileMessage_isRejectedWithAReason_andTheRunCompletes() throws Exception {
    RandomDataset data = new RandomDataset(36, 3, 9);
    List<Mutation> all = mutations();
    Map<ClientMessage.BodyCase, Deque<Mutation>> queues = new LinkedHashMap<>();
    all.forEach(mu -> queues.computeIfAbsent(mu.kind(), k -> new ArrayDeque<>()).add(mu));
    Map<Mutation, Long> sentAt = new LinkedHashMap<>();
    ServerConfig config = new ServerConfig(2, 1, LR, 5, 0.1f, Duration.ofSeconds(20), Duration.ofSeconds(10), Map.of(),
        null, 8);
    try (MpslServer server = new MpslServer(config, MODEL, SEED); InProcessMpsl net = new InProcessMpsl(server);
        MpslClient honestClient = new MpslClient(new ClientConfig("honest", "", 2, SEED, 1), MODEL, data,
            IntStream.range(0, 16).toArray(), LR);
        MpslClient hostileClient = new MpslClient(new ClientConfig("hostile", "", 1, SEED, 2), MODEL, data,
            IntStream.range(16, 36).toArray(), LR)) {
      ClientRunner honest = net.connect(honestClient);
      // Per reply: every leading mutation that leaves the real reply in place goes together; a
      // mutation that replaces the reply takes the step alone.
      ScriptedClient hostile = new ScriptedClient(hostileClient, net.channel(), reply -> {
        Deque<Mutation> q = queues.getOrDefault(reply.getBodyCase(), new ArrayDeque<>());
        if (reply.hasActivations() && !queues.get(ClientMessage.BodyCase.OUTPUT_GRAD).isEmpty()) {
          return List.of(reply); // first contribute, so that the output-gradient mutations get their turn
        }
        List<ClientMessage> out = new ArrayList<>(List.of(reply));
        while (!q.isEmpty() && q.peek().mode() != Mode.REPLACE) {
          Mutation mu = q.poll();
          sentAt.put(mu, reply.getStep());
          out.add(mu.mode() == Mode.BEFORE ? 0 : out.size(), mu.edit().apply(reply));
        }
        if (out.size() == 1 && !q.isEmpty()) {
          Mutation mu = q.poll();
          sentAt.put(mu, reply.getStep());
          return List.of(mu.edit().apply(reply));
        }
        return out;
      });
      List<EpochStats> epochs = server.train(s -> {});
      net.awaitClients();

      assertThat(queues.values()).allSatisfy(q -> assertThat(q).as("mutations not yet sent").isEmpty());
      assertThat(sentAt).hasSize(all.size());
      assertThat(honest.client().lastError()).as("the honest client saw no error").isNull();
      assertThat(honest.client().done()).isTrue();
      assertThat(epochs).hasSize(1).allSatisfy(e -> assertThat(e.meanLoss()).isFinite());
      assertThat(server.skippedSteps()).isZero();
      server.model().namedParameters().values()
          .forEach(p -> assertThat(p.array().isInfinite().logicalOr(p.array().isNaN()).any().getBoolean()).isFalse());
      for (Map.Entry<Mutation, Long> e : sentAt.entrySet()) {
        Mutation mu = e.getKey();
        assertThat(hostile.errorsAt(e.getValue())).as(mu.name() + " at step " + e.getValue())
            .anySatisfy(err -> assertThat(err).startsWith(mu.code() + ":").contains(mu.fragment()));
      }
      assertThat(hostileClient.done()).as("the hostile client is still served to the end").isTrue();
      System.out.println("rejections by reason: " + server.rejections());
    }
  }
}
