package org.mpsl4j.engine.mpsl;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.mpsl4j.engine.grpc.ReconnectingClient;
import org.mpsl4j.engine.grpc.SplitLearningService;
import org.mpsl4j.model.Module;
import org.mpsl4j.model.ModelConfig;

/**
 * A server and N reconnecting clients on gRPC's in-process transport with direct executors, so that
 * a run is one deterministic sequence of calls, where a test can crash the server (its training
 * thread stops, its transport goes) or a client (its stream is cancelled, its process state is
 * dropped) between steps and start them again from their checkpoints.
 */
final class FaultyCluster implements AutoCloseable {
  static final ReconnectingClient.Backoff FAST = new ReconnectingClient.Backoff(Duration.ofMillis(20),
      Duration.ofMillis(200), 100);
  final List<String> log = new CopyOnWriteArrayList<>();
  private final String name = "faulty-" + System.nanoTime();
  private final ServerConfig config;
  private final ModelConfig model;
  private final long seed;
  private final IntFunction<MpslClient> newClient;
  private final ExecutorService pool;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final MpslClient[] clients;
  private final ReconnectingClient[] runs;
  private final List<Future<ReconnectingClient.Result>> futures = new ArrayList<>();
  private final List<MpslClient> crashed = new ArrayList<>();
  private Server transport;
  /** Applied to every new server before it resumes (e.g. its tokenizer policy, which a resume must know). */
  private java.util.function.UnaryOperator<MpslServer> serverSetup = s -> s;
  MpslServer server;

  /** Thrown from a progress listener: the server's training thread dies between two steps. */
  static final class Crash extends RuntimeException {
    Crash() {
      super("simulated server crash", null, false, false);
    }
  }

  FaultyCluster(ServerConfig config, ModelConfig model, long seed, int clients, IntFunction<MpslClient> newClient) {
    this.config = config;
    this.model = model;
    this.seed = seed;
    this.newClient = newClient;
    this.clients = new MpslClient[clients];
    this.runs = new ReconnectingClient[clients];
    this.pool = Executors.newFixedThreadPool(clients);
  }

  /** Every server this cluster starts is first passed through {@code setup}. */
  FaultyCluster withServerSetup(java.util.function.UnaryOperator<MpslServer> setup) {
    serverSetup = setup;
    return this;
  }

  /** Starts a server (resuming {@code checkpoint} if not null) and opens its transport. */
  MpslServer startServer(ServerCheckpoint checkpoint) throws IOException {
    server = serverSetup.apply(new MpslServer(config, model, seed));
    if (checkpoint != null) {
      server.resumeFrom(checkpoint);
    }
    transport = InProcessServerBuilder.forName(name).directExecutor().addService(new SplitLearningService(server))
        .build().start();
    return server;
  }

  /** The server process dies: its transport is torn down (clients see their streams fail), its memory freed. */
  void crashServer() throws InterruptedException {
    transport.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
    server = null;
  }

  /** Starts client {@code i} (a new process: fresh object, same checkpoint folder) with reconnects. */
  void startClient(int i) {
    ManagedChannel ch = InProcessChannelBuilder.forName(name).directExecutor().build();
    channels.add(ch);
    clients[i] = newClient.apply(i);
    runs[i] = new ReconnectingClient(clients[i], ch, FAST, c -> {}, log::add);
    ReconnectingClient run = runs[i];
    futures.add(pool.submit(() -> run.run(Duration.ofMinutes(2))));
  }

  /**
   * Starts client {@code i} again and waits until the server has admitted it, so that the step it
   * joins at does not depend on thread timing (call it between steps, e.g. from a progress listener).
   */
  void restartClient(int i) throws InterruptedException {
    startClient(i);
    String id = clients[i].clientId();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (server.connected().stream().noneMatch(s -> s.clientId.equals(id))) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(id + " was not admitted within 20 s; log: " + log);
      }
      Thread.sleep(5);
    }
  }

  /** Client {@code i}'s process dies: its stream is cancelled and it never comes back by itself. */
  void crashClient(int i) {
    runs[i].stop();
    crashed.add(clients[i]); // closed at the end: its stream's last callbacks may still be running
  }

  MpslClient client(int i) {
    return clients[i];
  }

  /** Waits for every client run; true when the last incarnation of each finished training. */
  boolean awaitClients() throws Exception {
    for (Future<ReconnectingClient.Result> f : futures) {
      f.get(2, TimeUnit.MINUTES);
    }
    for (MpslClient c : clients) {
      if (!c.done()) {
        return false;
      }
    }
    return true;
  }

  /** Every parameter of {@code module} as floats, by name. */
  static Map<String, float[]> parameters(Module module) {
    Map<String, float[]> out = new TreeMap<>();
    module.namedParameters().forEach((k, p) -> out.put(k, p.array().toFloatArray()));
    return out;
  }

  /** The largest absolute difference between two parameter sets of the same model. */
  static double maxDifference(Map<String, float[]> a, Map<String, float[]> b) {
    double max = 0;
    for (Map.Entry<String, float[]> e : a.entrySet()) {
      float[] x = e.getValue();
      float[] y = b.get(e.getKey());
      for (int i = 0; i < x.length; i++) {
        max = Math.max(max, Math.abs(x[i] - y[i]));
      }
    }
    return max;
  }

  @Override
  public void close() throws InterruptedException {
    for (ManagedChannel ch : channels) {
      ch.shutdownNow();
    }
    if (transport != null) {
      transport.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    pool.shutdownNow();
    pool.awaitTermination(10, TimeUnit.SECONDS);
    if (server != null) {
      server.close();
    }
    for (MpslClient c : clients) {
      if (c != null) {
        c.close();
      }
    }
    crashed.forEach(MpslClient::close);
  }
}
