package org.mpsl4j.engine.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.mpsl4j.engine.mpsl.MpslServer;
import org.mpsl4j.engine.mpsl.Peer;
import org.mpsl4j.engine.mpsl.SessionStream;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.SplitLearningGrpc;

/**
 * Adapts gRPC streams to {@link MpslServer}: converts nothing, decides nothing. A {@code Session} stream is one
 * client; a {@code Bundled} stream is many, one lane each, demultiplexed into the same sessions.
 */
public final class SplitLearningService extends SplitLearningGrpc.SplitLearningImplBase {
  private final MpslServer server;

  /** Sends the frames of all Bundled streams, in order per stream; its one thread ends when idle. */
  private final java.util.concurrent.ScheduledThreadPoolExecutor flusher;

  public SplitLearningService(MpslServer server) {
    this.server = server;
    this.flusher = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "mpsl-bundle-flush");
      t.setDaemon(true);
      return t;
    });
    flusher.setKeepAliveTime(30, java.util.concurrent.TimeUnit.SECONDS);
    flusher.allowCoreThreadTimeOut(true);
  }

  /** Many clients of one host over one stream, one lane each ({@link BundledSessions}). */
  @Override
  public StreamObserver<org.mpsl4j.protocol.v1.ClientBundle> bundled(
      StreamObserver<org.mpsl4j.protocol.v1.ServerBundle> responses) {
    return new BundledSessions(server, ClientIdentity.current(),
        (ServerCallStreamObserver<org.mpsl4j.protocol.v1.ServerBundle>) responses, flusher);
  }

  @Override
  public StreamObserver<ClientMessage> session(StreamObserver<ServerMessage> responses) {
    StreamPeer peer = new StreamPeer((ServerCallStreamObserver<ServerMessage>) responses);
    SessionStream session = server.connect(peer, ClientIdentity.current());
    return new StreamObserver<>() {
      @Override
      public void onNext(ClientMessage m) {
        session.receive(m);
      }

      @Override
      public void onError(Throwable t) {
        peer.markClosed();
        io.grpc.Status status = io.grpc.Status.fromThrowable(t);
        session.disconnected("connection lost (" + status.getCode()
            + (status.getDescription() == null ? "" : ": " + status.getDescription()) + ")");
      }

      @Override
      public void onCompleted() {
        session.disconnected("the client closed its stream");
        peer.close();
      }
    };
  }

  /** Serializes sends: a StreamObserver is not thread-safe, and the server sends from several threads. */
  private static final class StreamPeer implements Peer {
    private final ServerCallStreamObserver<ServerMessage> out;
    private boolean closed;

    StreamPeer(ServerCallStreamObserver<ServerMessage> out) {
      this.out = out;
      out.setOnCancelHandler(this::markClosed);
    }

    @Override
    public synchronized boolean send(ServerMessage message) {
      if (closed || out.isCancelled()) {
        return false;
      }
      try {
        out.onNext(message);
        return true;
      } catch (RuntimeException e) {
        closed = true;
        return false;
      }
    }

    @Override
    public synchronized void close() {
      if (!closed) {
        closed = true;
        try {
          out.onCompleted();
        } catch (RuntimeException ignored) {
          // already cancelled by the client
        }
      }
    }

    synchronized void markClosed() {
      closed = true;
    }
  }
}
