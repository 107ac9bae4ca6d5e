package org.mpsl4j.privacy.capture;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.ServerMessage;

/**
 * Records every message of every session exactly as the server's transport hands it over or takes it: what an
 * honest-but-curious operator of the server process (or anyone holding its TLS key) has. It sits outside the
 * engine, so it stays valid however the server is built inside. A session is named by the client id of its Hello.
 *
 * <p>Thread-safe: sessions record concurrently; each session's messages keep their order.
 */
public final class WireTap implements ServerInterceptor {
  /** One message of a session, in order: sent by the client ({@code inbound}) or by the server. */
  public record Message(ClientMessage inbound, ServerMessage outbound) {
    public boolean isInbound() {
      return inbound != null;
    }
  }

  private final Map<String, List<Message>> byClient = new ConcurrentHashMap<>();

  /** Each session's messages in order, by client id (a live view; read it after the run). */
  public Map<String, List<Message>> sessions() {
    return byClient;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    SessionLog log = new SessionLog();
    ServerCall<Q, R> tapped = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void sendMessage(R message) {
        if (message instanceof ServerMessage m) {
          log.add(new Message(null, m));
        }
        super.sendMessage(message);
      }
    };
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(tapped, headers)) {
      @Override
      public void onMessage(Q message) {
        if (message instanceof ClientMessage m) {
          log.add(new Message(m, null));
        }
        super.onMessage(message);
      }
    };
  }

  /** Messages of one call, filed under the client id once its Hello names it (earlier ones are kept and moved). */
  private final class SessionLog {
    private List<Message> target = new CopyOnWriteArrayList<>();
    private boolean named;

    synchronized void add(Message m) {
      if (!named && m.isInbound() && m.inbound().hasHello()) {
        List<Message> own = byClient.computeIfAbsent(m.inbound().getHello().getClientId(),
            id -> new CopyOnWriteArrayList<>());
        own.addAll(target);
        target = own;
        named = true;
      }
      target.add(m);
    }
  }
}
