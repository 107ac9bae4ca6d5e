package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.Hello;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.SplitLearningGrpc;

/** A client stream driven by hand that records what the server sends (for admission tests). */
final class RawStream implements StreamObserver<ServerMessage> {
  final List<ServerMessage> received = new CopyOnWriteArrayList<>();
  final CompletableFuture<Boolean> closed = new CompletableFuture<>();
  private final StreamObserver<ClientMessage> out;

  RawStream(Channel ch) {
    out = SplitLearningGrpc.newStub(ch).session(this);
  }

  /**
   * Says {@code hello} on a new stream and returns the Error it drew as "CODE: message"; the server
   * must answer with that one message and close the stream.
   */
  static String refusal(Channel ch, Hello hello) throws Exception {
    RawStream s = new RawStream(ch);
    s.send(ClientMessage.newBuilder().setHello(hello).build());
    assertThat(s.closed.get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(s.received).hasSize(1);
    assertThat(s.errors()).hasSize(1);
    return s.errors().get(0);
  }

  void send(ClientMessage m) {
    out.onNext(m);
  }

  List<String> errors() {
    return received.stream().filter(ServerMessage::hasError)
        .map(m -> m.getError().getCode() + ": " + m.getError().getMessage()).toList();
  }

  @Override
  public void onNext(ServerMessage m) {
    received.add(m);
  }

  @Override
  public void onError(Throwable t) {
    closed.complete(true);
  }

  @Override
  public void onCompleted() {
    closed.complete(true);
    out.onCompleted();
  }
}
