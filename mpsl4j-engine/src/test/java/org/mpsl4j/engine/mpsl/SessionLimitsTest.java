package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mpsl4j.engine.grpc.ClientRunner;
import org.mpsl4j.protocol.v1.Activations;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.ErrorCode;
import org.mpsl4j.protocol.v1.Hello;

/**
 * Who gets in, and how many: no message counts before an accepted Hello, a wrong or missing credential
 * is refused, and a flood of sessions or of streams that never say Hello is refused or closed without
 * disturbing the clients that belong.
 */
final class SessionLimitsTest {
  private static final long SEED = 5;
  private static final float LR = 1e-3f;
  private static final Map<String, String> TOKENS = Map.of("a", "token-a", "b", "token-b");

  private static ServerConfig config(int clients, Map<String, String> tokens) {
    return new ServerConfig(clients, 1, LR, 5, 0.1f, Duration.ofSeconds(20), Duration.ofSeconds(10), tokens, null, 8);
  }

  @Test
  @Timeout(20)
  void messagesBeforeHello_areRefused_andTheStreamIsClosed() throws Exception {
    try (MpslServer server = new MpslServer(config(1, TOKENS), HostileInputTest.MODEL, SEED);
        InProcessMpsl net = new InProcessMpsl(server)) {
      RawStream s = new RawStream(net.channel());
      s.send(ClientMessage.newBuilder().setSessionId(1).setStep(1).setActivations(Activations.getDefaultInstance()).build());
      assertThat(s.closed.get(10, TimeUnit.SECONDS)).isTrue();
      assertThat(s.errors()).containsExactly("UNAUTHENTICATED: no session: the first message of a stream must be Hello");
      assertThat(server.connected()).isEmpty();
    }
  }

  @Test
  @Timeout(20)
  void wrongToken_unknownClient_andBlankId_areRefused() throws Exception {
    try (MpslServer server = new MpslServer(config(1, TOKENS), HostileInputTest.MODEL, SEED);
        InProcessMpsl net = new InProcessMpsl(server)) {
      Hello good = hello("a", "token-a");
      assertThat(RawStream.refusal(net.channel(), good.toBuilder().setToken("token-b").build()))
          .isEqualTo("UNAUTHENTICATED: token rejected for client 'a'");
      assertThat(RawStream.refusal(net.channel(), good.toBuilder().setClientId("mallory").build()))
          .isEqualTo("UNAUTHENTICATED: token rejected for client 'mallory'");
      assertThat(RawStream.refusal(net.channel(), good.toBuilder().setClientId("").build()))
          .isEqualTo("BAD_HELLO: Hello needs a client_id");
      assertThat(RawStream.refusal(net.channel(), good.toBuilder().setModelFingerprint("other").build()))
          .startsWith("BAD_HELLO: client 'a' was built for model other");
      assertThat(server.connected()).isEmpty();
      assertThat(server.rejections()).containsEntry(ErrorCode.UNAUTHENTICATED, 2L).containsEntry(ErrorCode.BAD_HELLO, 2L);
    }
  }

  /**
   * The declared training-set size decides how long every epoch is: where the server knows the
   * partition, a client that inflates its share, or an id outside it, is refused.
   */
  @Test
  @Timeout(20)
  void declaredSamplesOtherThanThePartitionsShare_areRefused() throws Exception {
    try (MpslServer server = new MpslServer(config(1, TOKENS), HostileInputTest.MODEL, SEED)
        .expectTrainSamples(Map.of("a", 8, "b", 8)); InProcessMpsl net = new InProcessMpsl(server)) {
      Hello good = hello("a", "token-a");
      assertThat(RawStream.refusal(net.channel(), good.toBuilder().setTrainSamples(1_000_000).build()))
          .isEqualTo("BAD_HELLO: client 'a' declares 1000000 training samples but the run's partition gives it 8");
      assertThat(server.connected()).isEmpty();
      RawStream accepted = new RawStream(net.channel());
      accepted.send(ClientMessage.newBuilder().setHello(good).build()); // its share: 8
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (server.connected().isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(server.connected()).hasSize(1);
      assertThat(accepted.errors()).isEmpty();
    }
  }

  /**
   * A deployed server knows no partition: the operator's cap bounds what a Hello may declare, and a size within it is
   * taken as declared.
   */
  @Test
  @Timeout(20)
  void declaredSamplesOverTheCap_areRefusedNamingTheCap() throws Exception {
    try (MpslServer server = new MpslServer(config(1, TOKENS), HostileInputTest.MODEL, SEED).limitTrainSamples(100);
        InProcessMpsl net = new InProcessMpsl(server)) {
      Hello good = hello("a", "token-a");
      assertThat(RawStream.refusal(net.channel(), good.toBuilder().setTrainSamples(101).build()))
          .isEqualTo("BAD_HELLO: client 'a' declares 101 training samples, more than this server's cap of 100 per"
              + " client (--max-train-samples)");
      RawStream accepted = new RawStream(net.channel());
      accepted.send(ClientMessage.newBuilder().setHello(good.toBuilder().setTrainSamples(100)).build());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (server.connected().isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(server.connected()).hasSize(1);
      assertThat(accepted.errors()).isEmpty();
    }
  }

  /**
   * Two clients join; then 100 strangers say Hello (all refused: the server is full, or the id is
   * taken), 60 streams connect and never say Hello (beyond 16 + 2 waiting ones they are refused at
   * once, the rest are closed after the Hello timeout of 3 s); then the two clients train as if nothing happened.
   */
  @Test
  @Timeout(40)
  void floodOfSessionsAndSilentStreams_isBounded_andTheRunCompletes() throws Exception {
    RandomDataset data = new RandomDataset(16, 3, 4);
    try (MpslServer server = new MpslServer(config(2, Map.of()), HostileInputTest.MODEL, SEED);
        InProcessMpsl net = new InProcessMpsl(server)) {
      // long enough that all 60 streams exist before the first times out, even on a loaded machine
      server.setHelloTimeout(Duration.ofMillis(3000));
      List<ClientRunner> members = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        members.add(net.connect(new MpslClient(new ClientConfig("member-" + i, "", 4, SEED, i), HostileInputTest.MODEL,
            data, IntStream.range(i * 8, i * 8 + 8).toArray(), LR)));
      }
      assertThat(server.connected()).hasSize(2);
      List<String> refusals = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        refusals.add(RawStream.refusal(net.channel(), hello(i == 0 ? "member-0" : "stranger-" + i, "")));
      }
      assertThat(refusals.get(0)).isEqualTo("BAD_HELLO: client 'member-0' already has an open session");
      assertThat(refusals.subList(1, 100)).allMatch(r -> r.startsWith("SERVER_FULL: the server already has its maximum of 2"));
      List<RawStream> silent = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        silent.add(new RawStream(net.channel()));
      }
      for (RawStream s : silent) {
        assertThat(s.closed.get(10, TimeUnit.SECONDS)).isTrue();
      }
      long full = silent.stream().filter(s -> s.errors().get(0).startsWith("SERVER_FULL: too many connections")).count();
      long timedOut = silent.stream().filter(s -> s.errors().get(0).equals("BAD_HELLO: no Hello within 3000 ms")).count();
      assertThat(timedOut).isEqualTo(18);
      assertThat(full).isEqualTo(42);

      List<EpochStats> epochs = server.train(e -> {});
      net.awaitClients();
      assertThat(epochs.get(0).samples()).isEqualTo(16);
      assertThat(epochs.get(0).missedDeadlines()).isZero();
      for (ClientRunner r : members) {
        assertThat(r.client().done()).isTrue();
        assertThat(r.client().lastError()).isNull();
        r.client().close();
      }
      System.out.println("rejections by reason: " + server.rejections());
      assertThat(server.rejections()).containsEntry(ErrorCode.SERVER_FULL, 99L + 42).containsEntry(ErrorCode.BAD_HELLO, 1L + 18);
    }
  }

  private static Hello hello(String id, String token) {
    return Hello.newBuilder().setClientId(id).setToken(token).addInputs("image").addInputs("text").setTrainSamples(8)
        .setBatchSize(4).setModelFingerprint(HostileInputTest.MODEL.fingerprint()).build();
  }
}
