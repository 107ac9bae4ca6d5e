package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.Shape;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mpsl4j.engine.grpc.ClientRunner;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.ErrorCode;
import org.mpsl4j.protocol.v1.Hello;
import org.mpsl4j.protocol.v1.NoData;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.SplitLearningGrpc;

/**
 * More than 10,000 hostile messages against a training server: 16 authenticated fuzzing sessions
 * answer every server message with a burst of flawed, stale, misaddressed, duplicated, out-of-phase,
 * foreign and random messages, while another thread opens fresh streams with bad Hellos and garbage.
 * The server must not crash, must answer and count every rejection, and the one honest client must
 * train exactly as it does without the fuzz: the same losses and a bit-identical server model.
 */
final class ProtocolFuzzTest {
  private static final long SEED = 17;
  private static final float LR = 2e-3f;
  private static final ModelConfig MODEL = HostileInputTest.MODEL;
  private static final int FUZZERS = 16;
  private static final int EXTRA_PER_BURST = 45;
  private static final int FRESH_STREAMS = 1_500;
  private static final int MAX_BATCH = 8;

  record Run(List<EpochStats> epochs, Map<String, float[]> serverParameters, Map<String, float[]> globalTokenizers,
      Map<ErrorCode, Long> rejections, long messages, double seconds) {}

  @Test
  @Timeout(120)
  void tenThousandHostileMessages_neitherCrashNorChangeTraining() throws Exception {
    Run clean = run(false);
    Run fuzzed = run(true);
    System.out.printf("fuzz: %,d hostile messages in %.1f s (clean run %.1f s); rejections by reason: %s%n",
        fuzzed.messages(), fuzzed.seconds(), clean.seconds(), fuzzed.rejections());

    assertThat(fuzzed.messages()).isGreaterThanOrEqualTo(10_000);
    assertThat(fuzzed.rejections().values().stream().mapToLong(Long::longValue).sum())
        .as("rejections counted").isGreaterThan(fuzzed.messages() / 2);
    assertThat(fuzzed.rejections()).containsKeys(ErrorCode.UNAUTHENTICATED, ErrorCode.BAD_HELLO, ErrorCode.STALE_STEP,
        ErrorCode.UNEXPECTED_MESSAGE, ErrorCode.MALFORMED_TENSOR);
    assertThat(clean.epochs()).hasSameSizeAs(fuzzed.epochs());
    for (int e = 0; e < clean.epochs().size(); e++) {
      assertThat(fuzzed.epochs().get(e).meanLoss()).as("honest client's loss, epoch " + e)
          .isEqualTo(clean.epochs().get(e).meanLoss()).isFinite();
      assertThat(fuzzed.epochs().get(e).samples()).isEqualTo(clean.epochs().get(e).samples());
      assertThat(fuzzed.epochs().get(e).personalizedAccuracy()).isEqualTo(clean.epochs().get(e).personalizedAccuracy());
    }
    assertThat(fuzzed.serverParameters().keySet()).isEqualTo(clean.serverParameters().keySet());
    clean.serverParameters().forEach((name, values) ->
        assertThat(fuzzed.serverParameters().get(name)).as("server parameter " + name).containsExactly(values));
    clean.globalTokenizers().forEach((name, values) ->
        assertThat(fuzzed.globalTokenizers().get(name)).as("global tokenizer parameter " + name).containsExactly(values));
  }

  private static Run run(boolean fuzz) throws Exception {
    Map<String, String> tokens = new HashMap<>(Map.of("honest", "token-h"));
    for (int i = 0; i < FUZZERS; i++) {
      tokens.put("fuzzer-" + i, "token-" + i);
    }
    ServerConfig config = new ServerConfig(1, 1, LR, 5, 0.1f, Duration.ofSeconds(30), Duration.ofSeconds(20), tokens,
        null, MAX_BATCH, 1 + FUZZERS);
    RandomDataset data = new RandomDataset(32, 3, 8);
    long start = System.nanoTime();
    try (MpslServer server = new MpslServer(config, MODEL, SEED); InProcessMpsl net = new InProcessMpsl(server);
        MpslClient honest = new MpslClient(new ClientConfig("honest", "token-h", 2, SEED, 1), MODEL, data,
            IntStream.range(0, 24).toArray(), LR).withLocalTestShare(data, IntStream.range(24, 32).toArray())) {
      Map<String, Shape> shapes = new LinkedHashMap<>();
      server.globalTokenizers().namedParameters().forEach((n, p) -> shapes.put(n, p.shape()));
      List<FuzzSession> fuzzers = new ArrayList<>();
      if (fuzz) {
        for (int i = 0; i < FUZZERS; i++) {
          fuzzers.add(new FuzzSession(net.channel(), new Fuzzer(SEED + i, MODEL, shapes, MAX_BATCH),
              hello("fuzzer-" + i, "token-" + i)));
        }
      }
      ClientRunner runner = net.connect(honest);
      AtomicLong fresh = new AtomicLong();
      Thread streams = new Thread(() -> freshStreams(net.channel(), new Fuzzer(SEED - 1, MODEL, shapes, MAX_BATCH), fresh));
      if (fuzz) {
        streams.start();
      }
      List<EpochStats> epochs = server.train(e -> {});
      streams.join();
      net.awaitClients();
      assertThat(runner.client().done()).isTrue();
      assertThat(runner.client().lastError()).as("the honest client saw no error").isNull();
      assertThat(server.skippedSteps()).isZero();
      Map<String, float[]> params = new LinkedHashMap<>();
      server.model().namedParameters().forEach((n, p) -> params.put(n, p.array().toFloatArray()));
      Map<String, float[]> global = new LinkedHashMap<>();
      server.globalTokenizers().namedParameters().forEach((n, p) -> global.put(n, p.array().toFloatArray()));
      long messages = fresh.get() + fuzzers.stream().mapToLong(f -> f.sent).sum();
      return new Run(epochs, params, global, server.rejections(), messages, (System.nanoTime() - start) / 1e9);
    }
  }

  private static Hello hello(String id, String token) {
    return Hello.newBuilder().setClientId(id).setToken(token).addInputs("image").addInputs("text").setTrainSamples(1)
        .setBatchSize(1).setModelFingerprint(MODEL.fingerprint()).build();
  }

  /** Fresh streams, each opened with one bad Hello or a message that is not a Hello. */
  private static void freshStreams(Channel ch, Fuzzer fuzzer, AtomicLong count) {
    Hello valid = hello("fuzzer-0", "token-0");
    for (int i = 0; i < FRESH_STREAMS; i++) {
      StreamObserver<ClientMessage> out = SplitLearningGrpc.newStub(ch).session(new Ignore());
      out.onNext(fuzzer.freshStreamMessage(valid));
      out.onCompleted();
      count.incrementAndGet();
    }
  }

  /**
   * An authenticated session that never contributes anything valid: for each step it sends a flawed
   * reply or NoData first (its one answer), then a burst of messages that must all be rejected.
   */
  private static final class FuzzSession implements StreamObserver<ServerMessage> {
    private final Fuzzer fuzzer;
    private final Random rng;
    private final StreamObserver<ClientMessage> out;
    private long sessionId;
    private boolean ended;
    long sent;

    FuzzSession(Channel ch, Fuzzer fuzzer, Hello hello) {
      this.fuzzer = fuzzer;
      this.rng = fuzzer.random();
      out = SplitLearningGrpc.newStub(ch).session(this);
      out.onNext(ClientMessage.newBuilder().setHello(hello).build());
    }

    @Override
    public synchronized void onNext(ServerMessage m) {
      switch (m.getBodyCase()) {
        case WELCOME -> sessionId = m.getSessionId();
        case STEP_BEGIN -> {
          send(rng.nextInt(100) < 85 ? at(m.getStep()).setActivations(fuzzer.badActivations(false))
              : at(m.getStep()).setNoData(NoData.getDefaultInstance()));
          burst(m.getStep());
        }
        case EPOCH_END -> {
          send(at(m.getStep()).setTokenizerWeights(fuzzer.badTokenizerWeights(1)));
          send(rng.nextInt(100) < 85 ? at(m.getStep()).setEvalActivations(fuzzer.badActivations(true))
              : at(m.getStep()).setNoData(NoData.getDefaultInstance()));
          burst(m.getStep());
        }
        case DONE -> {
          ended = true;
          out.onCompleted();
        }
        default -> { }
      }
    }

    private void burst(long step) {
      for (int k = 0; k < EXTRA_PER_BURST; k++) {
        switch (rng.nextInt(6)) {
          case 0 -> { // stale, future or replayed step
            long[] offsets = {-1, -2, -5, 1, 2, 5, 1_000_000};
            send(fuzzer.anyBody().setSessionId(sessionId).setStep(Math.max(0, step + offsets[rng.nextInt(offsets.length)])));
          }
          case 1 -> send(fuzzer.anyBody().setSessionId(sessionId + 1 + rng.nextInt(1000)).setStep(step)); // another session
          case 2 -> send(at(step).setActivations(fuzzer.badActivations(false))); // duplicate answer
          case 3, 4 -> send(fuzzer.anyBody().setSessionId(sessionId).setStep(step)); // any type, this step
          default -> send(fuzzer.randomBytes().setSessionId(sessionId).setStep(step + rng.nextInt(3) - 1));
        }
      }
    }

    private ClientMessage.Builder at(long step) {
      return ClientMessage.newBuilder().setSessionId(sessionId).setStep(step);
    }

    private void send(ClientMessage.Builder m) {
      if (!ended) {
        sent++;
        out.onNext(m.build());
      }
    }

    @Override
    public void onError(Throwable t) {
      ended = true;
    }

    @Override
    public void onCompleted() {
      ended = true;
    }
  }

  private static final class Ignore implements StreamObserver<ServerMessage> {
    @Override
    public void onNext(ServerMessage value) {}

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }
}
