package org.mpsl4j.engine.mpsl;

import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.SplitLearningGrpc;

/**
 * A real {@link MpslClient} on a raw stream whose every reply passes through a script first: the
 * script may send it as is, replace it by something hostile, or send hostile messages before or after
 * it. Records every Error the server sent back.
 */
final class ScriptedClient implements StreamObserver<ServerMessage> {
  final MpslClient client;
  final List<ServerMessage> errors = new CopyOnWriteArrayList<>();
  private final Function<ClientMessage, List<ClientMessage>> script;
  private final StreamObserver<ClientMessage> out;
  private volatile boolean ended;
  private long sent;

  ScriptedClient(MpslClient client, Channel channel, Function<ClientMessage, List<ClientMessage>> script) {
    this.client = client;
    this.script = script;
    out = SplitLearningGrpc.newStub(channel).session(this);
    send(client.hello());
  }

  /** Sends a message on this client's stream, outside the script. */
  synchronized void send(ClientMessage m) {
    if (!ended) {
      sent++;
      out.onNext(m);
    }
  }

  synchronized long sent() {
    return sent;
  }

  @Override
  public void onNext(ServerMessage m) {
    if (m.hasError()) {
      errors.add(m);
    }
    List<ClientMessage> replies;
    try {
      replies = client.onMessage(m);
    } catch (RuntimeException e) {
      return; // e.g. outputs of a step the server dropped this client from
    }
    for (ClientMessage reply : replies) {
      for (ClientMessage x : script.apply(reply)) {
        send(x);
      }
    }
    if (client.done()) {
      synchronized (this) {
        ended = true;
        out.onCompleted();
      }
    }
  }

  @Override
  public void onError(Throwable t) {
    ended = true;
  }

  @Override
  public void onCompleted() {
    ended = true;
  }

  /** The Errors sent for {@code step}, as "CODE: message". */
  List<String> errorsAt(long step) {
    return errors.stream().filter(e -> e.getStep() == step)
        .map(e -> e.getError().getCode() + ": " + e.getError().getMessage()).toList();
  }
}
