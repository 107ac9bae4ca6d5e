package org.mpsl4j.engine.grpc;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.mpsl4j.engine.mpsl.MpslClient;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.SplitLearningGrpc;

/**
 * Runs one {@link MpslClient} over a gRPC stream: sends Hello, answers every server message with the
 * client's replies, and completes when the server says training is done or the stream ends. The
 * caller owns the channel and shuts it down.
 */
public final class ClientRunner {
  private final MpslClient client;
  private final Channel channel;
  private final CompletableFuture<Status> finished = new CompletableFuture<>();
  private final AtomicLong bytesUp = new AtomicLong();
  private final AtomicLong bytesDown = new AtomicLong();
  private volatile ClientCallStreamObserver<ClientMessage> requests;

  public ClientRunner(MpslClient client, Channel channel) {
    this.client = client;
    this.channel = channel;
  }

  /** Opens the session; the returned future completes with the stream's final status. */
  public CompletableFuture<Status> start() {
    SplitLearningGrpc.newStub(channel).withWaitForReady().session(new ClientResponseObserver<ClientMessage, ServerMessage>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<ClientMessage> stream) {
        requests = stream;
      }

      @Override
      public void onNext(ServerMessage m) {
        bytesDown.addAndGet(m.getSerializedSize());
        if (m.hasWelcome()) {
          welcomed = true;
        }
        try {
          for (ClientMessage reply : client.onMessage(m)) {
            send(reply);
          }
        } catch (RuntimeException e) {
          // A message this client cannot use (e.g. outputs for a step it dropped) must not kill it.
          lastFailure = e;
        }
        if (client.done()) {
          requests.onCompleted();
        }
      }

      @Override
      public void onError(Throwable t) {
        finished.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        finished.complete(Status.OK);
      }
    });
    send(client.hello());
    return finished;
  }

  private volatile RuntimeException lastFailure;
  private volatile boolean welcomed;

  /** Whether the server welcomed this stream: it was admitted, so a later break is an outage, not a refusal. */
  public boolean welcomed() {
    return welcomed;
  }

  private synchronized void send(ClientMessage m) {
    bytesUp.addAndGet(m.getSerializedSize());
    requests.onNext(m);
  }

  /** Cancels the stream, as a crashing device would. */
  public void abort() {
    ClientCallStreamObserver<ClientMessage> r = requests;
    if (r != null) {
      r.cancel("client aborted", null);
    }
  }

  public MpslClient client() {
    return client;
  }

  public long bytesUp() {
    return bytesUp.get();
  }

  public long bytesDown() {
    return bytesDown.get();
  }

  /** The last exception the client raised on a server message, or null. */
  public RuntimeException lastFailure() {
    return lastFailure;
  }
}
