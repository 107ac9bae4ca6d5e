package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mpsl4j.protocol.CodecSpec;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.TensorLimits;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.Codec;
import org.mpsl4j.protocol.v1.CodecChoice;
import org.mpsl4j.protocol.v1.ErrorCode;
import org.mpsl4j.protocol.v1.Hello;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.Tensor;

/**
 * Codecs are negotiated per session: Hello asks, the server's policy accepts (Welcome confirms, and both
 * sides then use exactly that pair) or refuses with BAD_HELLO; a tensor in another codec is refused.
 */
final class CodecNegotiationTest {
  private static final long SEED = 5;
  private static final float LR = 1e-3f;
  private static final CodecSpec INT8 = CodecSpec.parse("int8");

  private static ServerConfig config(int clients) {
    return new ServerConfig(clients, 1, LR, 5, 0.1f, Duration.ofSeconds(20), Duration.ofSeconds(10), Map.of(), null, 8);
  }

  private static MpslClient client(String id, RandomDataset data, int from) {
    return new MpslClient(new ClientConfig(id, "", 2, SEED, from), HostileInputTest.MODEL, data,
        IntStream.range(from, from + 6).toArray(), LR);
  }

  @Test
  @Timeout(30)
  void helloForACodecThePolicyDoesNotAllow_isRefused() throws Exception {
    RandomDataset data = new RandomDataset(12, 3, 4);
    try (MpslServer server = new MpslServer(config(1), HostileInputTest.MODEL, SEED).acceptCodecs(
        CodecPolicy.only(INT8, INT8)); InProcessMpsl net = new InProcessMpsl(server);
        MpslClient raw = client("a", data, 0); MpslClient fp16Down = client("b", data, 0)) {
      Hello rawHello = raw.hello().getHello();
      assertThat(RawStream.refusal(net.channel(), rawHello)).isEqualTo("BAD_HELLO: client 'a': the server accepts activation codec int8"
          + " but the client asked for raw: start server and clients with the same --codec-up");
      Hello mixed = fp16Down.withCodecs(INT8, CodecSpec.parse("fp16")).hello().getHello();
      assertThat(RawStream.refusal(net.channel(), mixed)).endsWith("accepts gradient codec int8 but the client asked for fp16: start server"
          + " and clients with the same --codec-down");
      Hello badFraction = rawHello.toBuilder()
          .setCodecUp(CodecChoice.newBuilder().setCodec(Codec.TOPK).setTopkFraction(0.9f)).build();
      assertThat(RawStream.refusal(net.channel(), badFraction)).startsWith("BAD_HELLO: client 'a' asks for an invalid codec: top-k fraction 0.9");
      Hello unknown = rawHello.toBuilder().setCodecDown(CodecChoice.newBuilder().setCodecValue(42)).build();
      assertThat(RawStream.refusal(net.channel(), unknown)).isEqualTo("BAD_HELLO: client 'a' asks for an invalid codec: unknown codec number 42");
      assertThat(server.connected()).isEmpty();
    }
  }

  /**
   * Two clients with different codecs train side by side on a server that accepts any: each Welcome
   * confirms the client's own pair and every activation and cut gradient on the wire uses it.
   */
  @Test
  @Timeout(40)
  void eachSessionUsesTheCodecsItNegotiated() throws Exception {
    RandomDataset data = new RandomDataset(12, 3, 4);
    CodecSpec topk = CodecSpec.parse("topk:0.1");
    CodecSpec bf16 = CodecSpec.parse("bf16");
    try (MpslServer server = new MpslServer(config(2), HostileInputTest.MODEL, SEED);
        InProcessMpsl net = new InProcessMpsl(server);
        MpslClient a = client("a", data, 0).withCodecs(INT8, INT8);
        MpslClient b = client("b", data, 6).withCodecs(topk, bf16)) {
      net.connect(a);
      net.connect(b);
      server.train(s -> {});
      net.awaitClients();
      assertThat(server.rejections()).isEmpty();
      assertThat(a.lastError()).isNull();
      List<ServerMessage> welcomes = net.sent.stream().filter(ServerMessage::hasWelcome).toList();
      assertThat(welcomes).extracting(m -> CodecSpec.fromProto(m.getWelcome().getCodecUp()) + "/"
          + CodecSpec.fromProto(m.getWelcome().getCodecDown())).containsExactlyInAnyOrder("int8/int8", "topk:0.1/bf16");
      long sessionA = welcomes.stream().filter(w -> w.getWelcome().getCodecUp().getCodec() == Codec.INT8_ROW)
          .findFirst().orElseThrow().getSessionId();
      List<ClientMessage> acts = net.received.stream().filter(ClientMessage::hasActivations).toList();
      assertThat(acts).isNotEmpty().allSatisfy(m -> assertThat(m.getActivations().getInputs(0).getValues().getCodec())
          .isEqualTo(m.getSessionId() == sessionA ? Codec.INT8_ROW : Codec.TOPK));
      // The text input's padding mask stays exact.
      assertThat(acts).allSatisfy(m -> assertThat(m.getActivations().getInputs(1).getMask().getCodec()).isEqualTo(Codec.RAW));
      List<ServerMessage> grads = net.sent.stream().filter(ServerMessage::hasCutGrad).toList();
      assertThat(grads).isNotEmpty().allSatisfy(m -> assertThat(m.getCutGrad().getGrads(0).getCodec())
          .isEqualTo(m.getSessionId() == sessionA ? Codec.INT8_ROW : Codec.BFLOAT16));
      // Outputs and output gradients stay RAW (b × C: tiny).
      assertThat(net.sent.stream().filter(ServerMessage::hasOutputs))
          .allSatisfy(m -> assertThat(m.getOutputs().getValues().getCodec()).isEqualTo(Codec.RAW));
    }
  }

  @Test
  @Timeout(40)
  void activationsInACodecOtherThanNegotiated_areRejected() throws Exception {
    RandomDataset data = new RandomDataset(12, 3, 4);
    try (MpslServer server = new MpslServer(config(1), HostileInputTest.MODEL, SEED);
        InProcessMpsl net = new InProcessMpsl(server); NDManager m = NDManager.newBaseManager();
        MpslClient a = client("a", data, 0).withCodecs(INT8, INT8)) {
      // The client negotiated int8 but re-packs its activations as exact float32.
      ScriptedClient sc = new ScriptedClient(a, net.channel(), msg -> !msg.hasActivations() ? List.of(msg)
          : List.of(Mutants.editInput(msg, 0, in -> in.setValues(raw(in.getValues(), m)))));
      server.train(s -> {});
      assertThat(sc.errors).isNotEmpty().allSatisfy(e -> {
        assertThat(e.getError().getCode()).isEqualTo(ErrorCode.MALFORMED_TENSOR);
        assertThat(e.getError().getMessage()).contains("activations of 'image': codec RAW but this session negotiated int8");
      });
    }
  }

  private static Tensor raw(Tensor int8, NDManager m) {
    return TensorCodec.encode(TensorCodec.decode(int8, m, TensorLimits.lenient(), "own", INT8));
  }
}
