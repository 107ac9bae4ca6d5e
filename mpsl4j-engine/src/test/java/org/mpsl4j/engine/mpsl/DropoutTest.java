package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mpsl4j.engine.grpc.ClientRunner;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.SplitLearningGrpc;

/** Unreliable clients never stall a step: a silent or vanished client sits the step out, the rest train on. */
final class DropoutTest {
  private static final long SEED = 7;
  private static final float LR = 1e-3f;
  private static final ModelConfig MODEL = RandomDataset.model();
  private static final Duration DEADLINE = Duration.ofMillis(300);

  private static ServerConfig config(int clients, int epochs) {
    return new ServerConfig(clients, epochs, LR, 5, 0.1f, Duration.ofSeconds(30), DEADLINE, Map.of(), null, 8);
  }

  /**
   * A client that joins and then never answers (a frozen phone) misses every step's deadline: the
   * server goes on with the other two each time, counts the miss, and the two still learn.
   */
  @Test
  @Timeout(60)
  void silentClient_missesEveryDeadline_othersTrainOn() throws Exception {
    RandomDataset data = new RandomDataset(30, 3, 3);
    List<EpochStats> epochs = new ArrayList<>();
    AtomicInteger stepBeginsToSilent = new AtomicInteger();
    try (MpslServer server = new MpslServer(config(3, 2), MODEL, SEED); InProcessMpsl net = new InProcessMpsl(server)) {
      List<ClientRunner> live = new ArrayList<>();
      live.add(net.connect(new MpslClient(new ClientConfig("a", "", 4, SEED, 1), MODEL, data, range(0, 12), LR)));
      live.add(net.connect(new MpslClient(new ClientConfig("b", "", 4, SEED, 2), MODEL, data, range(12, 24), LR)));
      ClientMessage silentHello = new MpslClient(new ClientConfig("silent", "", 4, SEED, 3), MODEL, data, range(24, 30),
          LR).hello();
      StreamObserver<ClientMessage> silent = SplitLearningGrpc.newStub(net.channel()).session(new Ignore() {
        @Override
        public void onNext(ServerMessage m) {
          if (m.hasStepBegin()) {
            stepBeginsToSilent.incrementAndGet();
          }
        }
      });
      silent.onNext(silentHello);

      server.train(epochs::add);
      net.awaitClients();
      silent.onCompleted();

      for (EpochStats e : epochs) {
        assertThat(e.steps()).as("steps that trained").isEqualTo(3); // 12 samples / batch 4
        assertThat(e.samples()).as("samples of the two live clients").isEqualTo(24);
      }
      // Every step the silent client was asked for activations and missed the deadline.
      assertThat(stepBeginsToSilent.get()).isEqualTo(6);
      assertThat(epochs.stream().mapToInt(EpochStats::missedDeadlines).sum()).isEqualTo(6);
      assertThat(epochs.get(1).meanLoss()).isFinite();
      for (ClientRunner r : live) {
        assertThat(r.client().done()).isTrue();
        assertThat(r.client().lastError()).isNull();
      }
    }
  }

  /** A client whose stream dies mid-run is dropped from later steps; the run completes without it. */
  @Test
  @Timeout(60)
  void clientThatDisconnects_isLeftOut_runCompletes() throws Exception {
    RandomDataset data = new RandomDataset(24, 3, 4);
    List<EpochStats> epochs = new ArrayList<>();
    try (MpslServer server = new MpslServer(config(3, 2), MODEL, SEED); InProcessMpsl net = new InProcessMpsl(server)) {
      ClientRunner a = net.connect(new MpslClient(new ClientConfig("a", "", 4, SEED, 1), MODEL, data, range(0, 8), LR));
      ClientRunner b = net.connect(new MpslClient(new ClientConfig("b", "", 4, SEED, 2), MODEL, data, range(8, 16), LR));
      ClientRunner doomed = net.connect(
          new MpslClient(new ClientConfig("doomed", "", 4, SEED, 3), MODEL, data, range(16, 24), LR));

      server.train(s -> {
        epochs.add(s);
        if (s.epoch() == 0) {
          doomed.abort(); // the device crashes after the first epoch
        }
      });
      net.awaitClients();

      assertThat(epochs).hasSize(2);
      assertThat(epochs.get(0).samples()).isEqualTo(24);
      assertThat(epochs.get(1).samples()).as("only a and b in epoch 2").isEqualTo(16);
      assertThat(a.client().done()).isTrue();
      assertThat(b.client().done()).isTrue();
      assertThat(doomed.client().done()).isFalse();
    }
  }

  /**
   * A device that never shows up (lost for good, e.g. before a resume) does not block the run when
   * --min-clients allows starting without it; without that allowance the server says how many joined.
   */
  @Test
  @Timeout(60)
  void clientThatNeverJoins_runStartsAtJoinTimeoutWithMinClients() throws Exception {
    RandomDataset data = new RandomDataset(16, 3, 5);
    ServerConfig patient = new ServerConfig(3, 1, LR, 5, 0.1f, Duration.ofMillis(1500), DEADLINE, Map.of(), null, 8);
    List<EpochStats> epochs = new ArrayList<>();
    try (MpslServer server = new MpslServer(patient.withMinClients(2), MODEL, SEED);
        InProcessMpsl net = new InProcessMpsl(server)) {
      ClientRunner a = net.connect(new MpslClient(new ClientConfig("a", "", 4, SEED, 1), MODEL, data, range(0, 8), LR));
      ClientRunner b = net.connect(new MpslClient(new ClientConfig("b", "", 4, SEED, 2), MODEL, data, range(8, 16), LR));
      server.train(epochs::add);
      net.awaitClients();
      assertThat(epochs).hasSize(1);
      assertThat(epochs.get(0).samples()).isEqualTo(16);
      assertThat(a.client().done()).isTrue();
      assertThat(b.client().done()).isTrue();
    }
    try (MpslServer server = new MpslServer(patient, MODEL, SEED); InProcessMpsl net = new InProcessMpsl(server)) {
      net.connect(new MpslClient(new ClientConfig("a", "", 4, SEED, 1), MODEL, data, range(0, 8), LR));
      assertThatThrownBy(() -> server.train(e -> {}))
          .hasMessageContaining("1 of 3 clients joined").hasMessageContaining("at least 3 needed");
    }
  }

  private static int[] range(int from, int to) {
    return java.util.stream.IntStream.range(from, to).toArray();
  }

  private abstract static class Ignore implements StreamObserver<ServerMessage> {
    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }
}
