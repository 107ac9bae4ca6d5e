package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mpsl4j.engine.grpc.BundledClients;
import org.mpsl4j.engine.grpc.ClientRunner;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.protocol.v1.ClientBundle;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.ErrorCode;
import org.mpsl4j.protocol.v1.LaneMessage;
import org.mpsl4j.protocol.v1.ServerBundle;
import org.mpsl4j.protocol.v1.ServerLaneMessage;
import org.mpsl4j.protocol.v1.SplitLearningGrpc;

/**
 * Clients of one host over one Bundled stream: the server demultiplexes the lanes into the same sessions as
 * single-client streams, so training is the same, and a bad or vanished lane touches no other lane.
 */
final class BundledSessionsTest {
  private static final long SEED = 31;
  private static final float LR = 1e-3f;
  private static final ModelConfig MODEL = RandomDataset.model();

  private static ServerConfig config(int clients, int epochs) {
    return new ServerConfig(clients, epochs, LR, 5, 0.1f, Duration.ofSeconds(30), Duration.ofSeconds(30), Map.of(),
        null, 8);
  }

  private static List<MpslClient> clients(RandomDataset data, int n, int samplesEach) {
    List<MpslClient> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new MpslClient(new ClientConfig("c" + i, "", 4, SEED, 100 + i), MODEL, data,
          range(i * samplesEach, (i + 1) * samplesEach), LR));
    }
    return out;
  }

  /**
   * Two epochs of four clients, once each over its own stream and once all on one Bundled stream: the
   * same steps, losses and server parameters within 1e-5 (the server may join the clients' rows in another
   * order, which changes float sums by round-off only).
   */
  @Test
  @Timeout(120)
  void bundledRun_equalsOneStreamPerClient() throws Exception {
    RandomDataset data = new RandomDataset(32, 3, 5);
    Run single = run(data, false);
    Run bundled = run(data, true);
    assertThat(bundled.epochs).hasSize(2);
    for (int e = 0; e < 2; e++) {
      assertThat(bundled.epochs.get(e).steps()).isEqualTo(single.epochs.get(e).steps());
      assertThat(bundled.epochs.get(e).samples()).isEqualTo(32);
      assertThat(bundled.epochs.get(e).meanLoss()).isCloseTo(single.epochs.get(e).meanLoss(),
          org.assertj.core.api.Assertions.within(1e-5));
    }
    assertThat(bundled.parameters.keySet()).isEqualTo(single.parameters.keySet());
    for (String name : single.parameters.keySet()) {
      float[] a = single.parameters.get(name);
      float[] b = bundled.parameters.get(name);
      for (int i = 0; i < a.length; i++) {
        assertThat(b[i]).as(name + "[" + i + "]").isCloseTo(a[i], org.assertj.core.api.Assertions.within(1e-5f));
      }
    }
    assertThat(bundled.rejections).isEmpty();
  }

  private record Run(List<EpochStats> epochs, Map<String, float[]> parameters, Map<ErrorCode, Long> rejections) {}

  private static Run run(RandomDataset data, boolean bundled) throws Exception {
    List<EpochStats> epochs = new ArrayList<>();
    Map<String, float[]> parameters = new LinkedHashMap<>();
    try (MpslServer server = new MpslServer(config(4, 2), MODEL, SEED); InProcessMpsl net = new InProcessMpsl(server)) {
      List<MpslClient> clients = clients(data, 4, 8);
      if (bundled) {
        net.connectBundled(clients);
      } else {
        clients.forEach(net::connect);
      }
      server.train(epochs::add);
      net.awaitClients();
      server.model().namedParameters().forEach((n, p) -> parameters.put(n, p.array().toFloatArray()));
      for (MpslClient c : clients) {
        assertThat(c.done()).isTrue();
        assertThat(c.lastError()).isNull();
        c.close();
      }
      return new Run(epochs, parameters, server.rejections());
    }
  }

  /** A lane whose Hello names a client the server does not know is refused; its bundle's other lanes train. */
  @Test
  @Timeout(60)
  void unknownClientInBundle_isRefused_othersTrain() throws Exception {
    RandomDataset data = new RandomDataset(24, 3, 6);
    List<EpochStats> epochs = new ArrayList<>();
    try (MpslServer server = new MpslServer(config(2, 1), MODEL, SEED); InProcessMpsl net = new InProcessMpsl(server)) {
      server.expectTrainSamples(Map.of("c0", 8, "c1", 8));
      List<MpslClient> clients = clients(data, 2, 8);
      clients.add(new MpslClient(new ClientConfig("mallory", "", 4, SEED, 9), MODEL, data, range(16, 24), LR));
      BundledClients host = net.connectBundled(clients);
      server.train(epochs::add);
      net.awaitClients();
      assertThat(epochs).hasSize(1);
      assertThat(epochs.get(0).samples()).as("c0 and c1 trained").isEqualTo(16);
      assertThat(host.client(0).done()).isTrue();
      assertThat(host.client(1).done()).isTrue();
      assertThat(host.client(2).done()).as("mallory was never admitted").isFalse();
      assertThat(server.rejections().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(1);
      clients.forEach(MpslClient::close);
    }
  }

  /**
   * On one raw Bundled stream: an entry with no message and a Hello of an unknown client are each refused on
   * their own lane (an Error, then the lane's end), while the valid Hello on lane 0 is admitted (no Error, its
   * lane stays open; the Welcome itself comes when training starts).
   */
  @Test
  @Timeout(30)
  void malformedEntries_areRefusedOnTheirLaneOnly() throws Exception {
    RandomDataset data = new RandomDataset(16, 3, 7);
    try (MpslServer server = new MpslServer(config(2, 1), MODEL, SEED); InProcessMpsl net = new InProcessMpsl(server)) {
      server.expectTrainSamples(Map.of("c0", 8, "c1", 8));
      ClientMessage valid = clients(data, 1, 8).get(0).hello();
      ClientMessage unknown = new MpslClient(new ClientConfig("mallory", "", 4, SEED, 9), MODEL, data, range(8, 16),
          LR).hello();
      List<ServerLaneMessage> down = new java.util.concurrent.CopyOnWriteArrayList<>();
      CountDownLatch settled = new CountDownLatch(2); // lanes 1 and 2's ends
      StreamObserver<ClientBundle> up = SplitLearningGrpc.newStub(net.channel()).bundled(new StreamObserver<>() {
        @Override
        public void onNext(ServerBundle frame) {
          for (ServerLaneMessage e : frame.getEntriesList()) {
            down.add(e);
            if (e.getEnd()) {
              settled.countDown();
            }
          }
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      });
      up.onNext(ClientBundle.newBuilder()
          .addEntries(LaneMessage.newBuilder().setLane(0).setMessage(valid))
          .addEntries(LaneMessage.newBuilder().setLane(1)) // neither a message nor an end
          .addEntries(LaneMessage.newBuilder().setLane(2).setMessage(unknown))
          .build());
      assertThat(settled.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(onLane(down, 0)).as("lane 0: no Error, no end").isEmpty();
      assertThat(server.rejections().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(2);
      assertThat(onLane(down, 1)).extracting(e -> e.getEnd() ? "end" : e.getMessage().getError().getCode().name())
          .containsExactly(ErrorCode.UNAUTHENTICATED.name(), "end");
      assertThat(onLane(down, 2)).hasSize(2);
      assertThat(onLane(down, 2).get(0).getMessage().hasError()).isTrue();
      assertThat(onLane(down, 2).get(1).getEnd()).isTrue();
      up.onCompleted();
    }
  }

  /** A client of a bundle that crashes after the first epoch is left out of the second; its lane-mates go on. */
  @Test
  @Timeout(60)
  void droppedLane_doesNotStallTheStep() throws Exception {
    RandomDataset data = new RandomDataset(24, 3, 8);
    List<EpochStats> epochs = new ArrayList<>();
    try (MpslServer server = new MpslServer(config(3, 2), MODEL, SEED); InProcessMpsl net = new InProcessMpsl(server)) {
      List<MpslClient> clients = clients(data, 3, 8);
      BundledClients host = net.connectBundled(clients);
      server.train(s -> {
        epochs.add(s);
        if (s.epoch() == 0) {
          host.abort(2); // the device on lane 2 crashes after the first epoch
        }
      });
      net.awaitClients();
      assertThat(epochs).hasSize(2);
      assertThat(epochs.get(0).samples()).isEqualTo(24);
      assertThat(epochs.get(1).samples()).as("only lanes 0 and 1 in epoch 2").isEqualTo(16);
      assertThat(host.client(0).done()).isTrue();
      assertThat(host.client(1).done()).isTrue();
      assertThat(host.client(2).done()).isFalse();
      clients.forEach(MpslClient::close);
    }
  }

  private static List<ServerLaneMessage> onLane(List<ServerLaneMessage> all, int lane) {
    return all.stream().filter(e -> e.getLane() == lane).toList();
  }

  private static int[] range(int from, int to) {
    return java.util.stream.IntStream.range(from, to).toArray();
  }
}
