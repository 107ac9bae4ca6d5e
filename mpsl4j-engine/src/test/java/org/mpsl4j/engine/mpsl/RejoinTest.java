package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mpsl4j.engine.grpc.ClientRunner;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.SplitLearningGrpc;

/**
 * A client whose connection dies can come back: a new Hello with the same, proven client id opens a
 * new session that takes part from the next step on, while the client process keeps its own
 * tokenizers, optimizer and epoch order; the steps it missed are simply not its.
 */
final class RejoinTest {
  private static final long SEED = 13;
  private static final float LR = 1e-3f;
  private static final Map<String, String> TOKENS = Map.of("a", "ta", "b", "tb", "flaky", "tf");

  private static ServerConfig config(int clients, int epochs) {
    return new ServerConfig(clients, epochs, LR, 5, 0.1f, Duration.ofSeconds(20), Duration.ofSeconds(10), TOKENS, null, 8);
  }

  private static MpslClient client(String id, RandomDataset data, int from, int to) {
    return new MpslClient(new ClientConfig(id, TOKENS.get(id), 2, SEED, id.hashCode()), HostileInputTest.MODEL, data,
        IntStream.range(from, to).toArray(), LR);
  }

  /**
   * Three clients of 12 samples (6 steps of 2); "flaky" drops after step 2 and is back for step 5:
   * it trains on 8 of its 12 samples, so it took part in steps 1, 2, 5 and 6.
   */
  @Test
  @Timeout(60)
  void clientThatDropsMidEpoch_rejoinsWithItsOwnState() throws Exception {
    RandomDataset data = new RandomDataset(36, 3, 6);
    try (MpslServer server = new MpslServer(config(3, 1), HostileInputTest.MODEL, SEED);
        InProcessMpsl net = new InProcessMpsl(server);
        MpslClient flaky = client("flaky", data, 24, 36)) {
      List<ClientRunner> runners = new ArrayList<>();
      runners.add(net.connect(client("a", data, 0, 12)));
      runners.add(net.connect(client("b", data, 12, 24)));
      ClientRunner first = net.connect(flaky);
      ClientRunner[] second = new ClientRunner[1];
      server.onProgress((epoch, step, steps) -> {
        if (epoch == 0 && step == 1) {
          first.abort(); // the connection dies
        } else if (epoch == 0 && step == 3) {
          second[0] = net.connect(flaky); // the same process, a new connection
        }
      });
      List<EpochStats> epochs = server.train(e -> {});
      net.awaitClients();

      assertThat(epochs.get(0).samples()).as("flaky missed steps 3 and 4, and only those").isEqualTo(36 - 4);
      assertThat(epochs.get(0).missedDeadlines()).isZero();
      assertThat(flaky.done()).isTrue();
      assertThat(second[0].lastFailure()).isNull();
      assertThat(server.bytesByClient().get("flaky")[0]).isPositive();
      for (ClientRunner r : runners) {
        assertThat(r.client().done()).isTrue();
        r.client().close();
      }
    }
  }

  /**
   * The old stream still looks open (a dead network is only noticed by keep-alives): a new Hello with
   * the client's own token replaces the old session, whose stream the server closes.
   */
  @Test
  @Timeout(60)
  void reconnectWhileTheOldStreamLooksAlive_replacesTheOldSession() throws Exception {
    RandomDataset data = new RandomDataset(24, 3, 7);
    try (MpslServer server = new MpslServer(config(2, 1), HostileInputTest.MODEL, SEED);
        InProcessMpsl net = new InProcessMpsl(server);
        MpslClient flaky = client("flaky", data, 12, 24);
        MpslClient a = client("a", data, 0, 12)) {
      CompletableFuture<Boolean> ghostClosed = new CompletableFuture<>();
      StreamObserver<ClientMessage> ghost = SplitLearningGrpc.newStub(net.channel()).session(new StreamObserver<>() {
        @Override
        public void onNext(ServerMessage m) {}

        @Override
        public void onError(Throwable t) {
          ghostClosed.complete(true);
        }

        @Override
        public void onCompleted() {
          ghostClosed.complete(true);
        }
      });
      ghost.onNext(flaky.hello());
      assertThat(server.connected()).hasSize(1);
      ClientRunner back = net.connect(flaky);
      assertThat(ghostClosed.get(5, TimeUnit.SECONDS)).as("the server closed the old stream").isTrue();
      assertThat(server.connected()).hasSize(1);
      net.connect(a);
      List<EpochStats> epochs = server.train(e -> {});
      net.awaitClients();
      assertThat(epochs.get(0).samples()).isEqualTo(24);
      assertThat(epochs.get(0).missedDeadlines()).isZero();
      assertThat(back.client().done()).isTrue();
    }
  }
}
