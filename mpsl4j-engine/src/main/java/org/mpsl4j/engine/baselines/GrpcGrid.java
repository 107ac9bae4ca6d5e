package org.mpsl4j.engine.baselines;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.SplitLearningGrpc;
import org.mpsl4j.protocol.v1.TrainingDone;

/**
 * A {@link Grid} over gRPC's in-process transport, the one the MPSL simulation uses: one
 * {@code SplitLearning.Session} stream per client, client callbacks on a pool of {@code threads}
 * workers (so clients train concurrently, as devices would). The service and the client stream
 * runner are nested here and only move messages; the clients are owned by the caller.
 */
public final class GrpcGrid extends Grid {
  private final Server server;
  private final ExecutorService serverPool = Executors.newFixedThreadPool(2);
  private final ExecutorService clientPool;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<CompletableFuture<Void>> finished = new ArrayList<>();
  private final Map<Mailbox, StreamObserver<ServerMessage>> streams = new ConcurrentHashMap<>();

  /** Starts the server, connects every client and waits until all have joined. */
  public GrpcGrid(List<? extends BaselineClient> clients, int threads, Duration joinTimeout)
      throws IOException, InterruptedException {
    String name = "mpsl4j-baseline-" + System.nanoTime();
    clientPool = Executors.newFixedThreadPool(threads);
    server = InProcessServerBuilder.forName(name).executor(serverPool).addService(new Service()).build().start();
    try {
      for (BaselineClient c : clients) {
        ManagedChannel ch = InProcessChannelBuilder.forName(name).executor(clientPool).build();
        channels.add(ch);
        finished.add(connect(c, ch));
      }
      awaitClients(clients.size(), joinTimeout);
    } catch (RuntimeException | InterruptedException e) {
      shutdown();
      throw e;
    }
  }

  @Override
  protected boolean deliver(Mailbox box, ServerMessage m) {
    StreamObserver<ServerMessage> out = streams.get(box);
    if (out == null) {
      return false;
    }
    synchronized (out) { // a StreamObserver is not thread-safe
      out.onNext(m);
    }
    return true;
  }

  @Override
  public void close() throws InterruptedException {
    try {
      for (String c : clients()) {
        send(c, 0, ServerMessage.newBuilder().setDone(TrainingDone.getDefaultInstance()));
      }
      CompletableFuture.allOf(finished.toArray(new CompletableFuture<?>[0])).get(1, TimeUnit.MINUTES);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("client streams did not end after TrainingDone: " + e.getMessage(), e);
    } finally {
      shutdown();
    }
  }

  private void shutdown() throws InterruptedException {
    for (ManagedChannel ch : channels) {
      ch.shutdownNow();
    }
    server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    clientPool.shutdownNow();
    serverPool.shutdownNow();
  }

  /** Server side: the first message is the Hello; everything after goes to the client's mailbox. */
  private final class Service extends SplitLearningGrpc.SplitLearningImplBase {
    @Override
    public StreamObserver<ClientMessage> session(StreamObserver<ServerMessage> responses) {
      return new StreamObserver<>() {
        private Mailbox box;

        @Override
        public void onNext(ClientMessage m) {
          if (box == null) {
            // Registered, connected and welcomed under the grid's lock: the strategy (which waits on the
            // same lock) sees a client only once a message can reach it with its session id.
            synchronized (GrpcGrid.this) {
              box = register(m);
              streams.put(box, responses);
              deliver(box, welcome(box));
            }
          } else {
            received(box, m);
          }
        }

        @Override
        public void onError(Throwable t) {
          if (box != null) {
            streams.remove(box);
          }
        }

        @Override
        public void onCompleted() {
          if (box != null) {
            StreamObserver<ServerMessage> out = streams.remove(box);
            if (out != null) {
              synchronized (out) {
                out.onCompleted();
              }
            }
          }
        }
      };
    }
  }

  /** Client side: sends Hello, answers each server message, completes the stream after TrainingDone. */
  private static CompletableFuture<Void> connect(BaselineClient client, ManagedChannel channel) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    ClientCallStreamObserver<ClientMessage>[] requests = new ClientCallStreamObserver[1];
    SplitLearningGrpc.newStub(channel).session(new ClientResponseObserver<ClientMessage, ServerMessage>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<ClientMessage> stream) {
        requests[0] = stream;
      }

      @Override
      public void onNext(ServerMessage m) {
        try {
          for (ClientMessage reply : client.onMessage(m)) {
            requests[0].onNext(reply);
          }
        } catch (RuntimeException e) {
          // The server sees a missing reply (deadline) and leaves this client out; the cause is kept here.
          done.completeExceptionally(new IllegalStateException("client '" + client.clientId() + "' failed on "
              + m.getBodyCase() + ": " + e.getMessage(), e));
          requests[0].cancel("client failed", e);
          return;
        }
        if (client.done()) {
          requests[0].onCompleted();
        }
      }

      @Override
      public void onError(Throwable t) {
        done.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        done.complete(null);
      }
    });
    requests[0].onNext(client.hello());
    return done;
  }
}
