package org.mpsl4j.engine.mpsl;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.mpsl4j.engine.grpc.ClientRunner;
import org.mpsl4j.engine.grpc.SplitLearningService;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.ServerMessage;

/**
 * A server and clients on gRPC's in-process transport, with an interceptor that records every
 * message in both directions exactly as it crossed the transport.
 */
final class InProcessMpsl implements AutoCloseable {
  final ConcurrentLinkedQueue<ClientMessage> received = new ConcurrentLinkedQueue<>();
  final ConcurrentLinkedQueue<ServerMessage> sent = new ConcurrentLinkedQueue<>();
  private final String name = "test-" + System.nanoTime();
  private final Server server;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<CompletableFuture<Status>> streams = new ArrayList<>();

  InProcessMpsl(MpslServer mpsl) throws java.io.IOException {
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(ServerInterceptors.intercept(new SplitLearningService(mpsl), new Recorder())).build().start();
  }

  /** A new channel to the server (closed with this fixture). */
  ManagedChannel channel() {
    ManagedChannel ch = InProcessChannelBuilder.forName(name).directExecutor().build();
    channels.add(ch);
    return ch;
  }

  ClientRunner connect(MpslClient client) {
    ClientRunner r = new ClientRunner(client, channel());
    streams.add(r.start());
    return r;
  }

  /** The clients as one host over one Bundled stream, client i on lane i, computing on the callback thread. */
  org.mpsl4j.engine.grpc.BundledClients connectBundled(List<MpslClient> clients) {
    org.mpsl4j.engine.grpc.BundledClients b = new org.mpsl4j.engine.grpc.BundledClients(clients, channel(), null, 0);
    streams.addAll(b.start());
    return b;
  }

  void awaitClients() throws Exception {
    CompletableFuture.allOf(streams.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    channels.forEach(ManagedChannel::shutdownNow);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private final class Recorder implements ServerInterceptor {
    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
      ServerCall<Q, A> recording = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
        @Override
        public void sendMessage(A message) {
          if (message instanceof org.mpsl4j.protocol.v1.ServerBundle b) {
            b.getEntriesList().stream().filter(e -> e.hasMessage()).forEach(e -> sent.add(e.getMessage()));
          } else {
            sent.add((ServerMessage) message);
          }
          super.sendMessage(message);
        }
      };
      return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(recording, headers)) {
        @Override
        public void onMessage(Q message) {
          if (message instanceof org.mpsl4j.protocol.v1.ClientBundle b) {
            b.getEntriesList().stream().filter(e -> e.hasMessage()).forEach(e -> received.add(e.getMessage()));
          } else {
            received.add((ClientMessage) message);
          }
          super.onMessage(message);
        }
      };
    }
  }
}
