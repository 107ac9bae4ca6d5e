package org.mpsl4j.bench;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.engine.grpc.ClientRunner;
import org.mpsl4j.engine.grpc.SplitLearningService;
import org.mpsl4j.engine.grpc.TcpTransport;
import org.mpsl4j.engine.mpsl.MpslServer;
import org.mpsl4j.engine.sim.MpslSetup;
import org.mpsl4j.engine.sim.SimulationConfig;

/**
 * One MPSL training run (server + N clients in this JVM) that advances only when told to: the
 * server's per-step progress callback blocks until the benchmark grants more steps. Several runs
 * (and a centralized trainer) can so take turns in one JVM, a few steps each, which cancels the
 * drift of a shared, noisy machine out of their ratio.
 *
 * <p>The in-process transport is wired exactly as {@link org.mpsl4j.engine.sim.Simulation} wires it
 * (2 server threads, {@code threads} client threads); TCP uses {@link TcpTransport} on loopback with
 * one channel (one HTTP/2 connection) per client, as separate client processes would.
 */
final class MpslRun implements AutoCloseable {
  enum Transport { IN_PROCESS, TCP }

  private final Transport transport;
  private final MpslServer server;
  private final Thread trainer;
  private final Semaphore granted = new Semaphore(0);
  private final Semaphore done = new Semaphore(0);
  private final List<Long> stepEnds = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<ClientRunner> runners = new ArrayList<>();
  private final ExecutorService serverPool;
  private final ExecutorService clientPool;
  private final Server grpc;
  private volatile Throwable failure;
  private volatile boolean released;

  /** Starts the run and waits until its first step is done; {@link #steps(int)} then runs more. */
  MpslRun(SimulationConfig config, DatasetSplit data, Partition partition, Transport transport)
      throws IOException, InterruptedException {
    this.transport = transport;
    MpslSetup setup = new MpslSetup(config, data, partition);
    server = new MpslServer(setup.serverConfig(Duration.ofMinutes(5), null), config.model(), config.seed());
    server.onProgress((epoch, step, steps) -> {
      synchronized (stepEnds) {
        stepEnds.add(System.nanoTime());
      }
      done.release();
      if (!released) {
        granted.acquireUninterruptibly();
      }
    });
    String name = "mpsl-bench-" + System.nanoTime();
    if (transport == Transport.IN_PROCESS) {
      serverPool = Executors.newFixedThreadPool(2);
      clientPool = Executors.newFixedThreadPool(config.threads());
      grpc = InProcessServerBuilder.forName(name).executor(serverPool).addService(new SplitLearningService(server))
          .build().start();
    } else {
      serverPool = null;
      clientPool = null;
      grpc = TcpTransport.serve(server, "127.0.0.1", 0, setup.maxMessageBytes());
    }
    for (int i = 0; i < partition.numClients(); i++) {
      ManagedChannel ch = transport == Transport.IN_PROCESS
          ? InProcessChannelBuilder.forName(name).executor(clientPool).build()
          : TcpTransport.connect("127.0.0.1", grpc.getPort(), setup.maxMessageBytes());
      channels.add(ch);
      ClientRunner r = new ClientRunner(setup.client(i, ""), ch);
      runners.add(r);
      r.start();
    }
    trainer = new Thread(() -> {
      try {
        server.train(s -> { });
      } catch (Throwable t) {
        failure = t;
        done.release(1 << 20);
      }
    }, "bench-mpsl-" + transport);
    trainer.setDaemon(true);
    trainer.start();
    await(1);
  }

  Transport transport() {
    return transport;
  }

  /** Bytes the clients sent and received so far, summed over clients. */
  long[] clientBytes() {
    long up = 0;
    long down = 0;
    for (ClientRunner r : runners) {
      up += r.bytesUp();
      down += r.bytesDown();
    }
    return new long[] {up, down};
  }

  /** The distinct last errors the server reported to clients (empty when every message was accepted). */
  java.util.Set<String> clientErrors() {
    java.util.Set<String> out = new java.util.TreeSet<>();
    for (ClientRunner r : runners) {
      if (r.client().lastError() != null) {
        out.add(r.client().lastError());
      }
      if (r.lastFailure() != null) {
        out.add("client exception: " + r.lastFailure());
      }
    }
    return out;
  }

  /**
   * Runs {@code k} more training steps; returns the seconds of each, measured between the server's
   * consecutive end-of-step callbacks (the first from the moment the steps were granted).
   */
  double[] steps(int k) throws InterruptedException {
    int before;
    synchronized (stepEnds) {
      before = stepEnds.size();
    }
    long t0 = System.nanoTime();
    granted.release(k);
    await(k);
    double[] out = new double[k];
    synchronized (stepEnds) {
      long prev = t0;
      for (int i = 0; i < k; i++) {
        long t = stepEnds.get(before + i);
        out[i] = (t - prev) / 1e9;
        prev = t;
      }
    }
    return out;
  }

  private void await(int k) throws InterruptedException {
    if (!done.tryAcquire(k, 10, TimeUnit.MINUTES)) {
      throw new IllegalStateException("MPSL run (" + transport + ") made no progress for 10 minutes");
    }
    if (failure != null) {
      throw new IllegalStateException("MPSL run (" + transport + ") failed: " + failure, failure);
    }
  }

  /**
   * Disconnects the clients, lets the server run out its epoch (the steps left find no client and
   * return at once), then frees everything.
   */
  @Override
  public void close() throws InterruptedException {
    for (ManagedChannel ch : channels) {
      ch.shutdownNow();
    }
    grpc.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    released = true;
    granted.release(1 << 20);
    trainer.join(TimeUnit.MINUTES.toMillis(5));
    // A client may still be applying its last cut gradient on a channel thread: wait for those threads
    // before freeing the clients' native memory (closing under a running Adam step crashed the JVM once).
    for (ManagedChannel ch : channels) {
      ch.awaitTermination(10, TimeUnit.SECONDS);
    }
    if (clientPool != null) {
      clientPool.shutdown();
      clientPool.awaitTermination(30, TimeUnit.SECONDS);
    }
    for (ClientRunner r : runners) {
      r.client().close();
    }
    server.close();
    if (clientPool != null) {
      serverPool.shutdownNow();
    }
  }
}
