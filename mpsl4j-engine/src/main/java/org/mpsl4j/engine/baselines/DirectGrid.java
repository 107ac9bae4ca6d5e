package org.mpsl4j.engine.baselines;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.TrainingDone;

/**
 * The in-memory twin of {@link GrpcGrid}: delivers each message by calling the client on the
 * sender's thread and queues its replies. The same messages are built and counted, so strategies
 * are tested without a network and give the same byte counts; clients simply run one after another.
 * The caller owns the clients and closes them.
 */
public final class DirectGrid extends Grid {
  private final Map<Mailbox, BaselineClient> clients = new LinkedHashMap<>();

  public DirectGrid(List<? extends BaselineClient> clients) {
    for (BaselineClient c : clients) {
      Mailbox box = register(c.hello());
      this.clients.put(box, c);
      deliver(box, welcome(box));
    }
  }

  @Override
  protected boolean deliver(Mailbox box, ServerMessage m) {
    for (ClientMessage reply : clients.get(box).onMessage(m)) {
      received(box, reply);
    }
    return true;
  }

  @Override
  public void close() {
    for (String c : clients()) {
      send(c, 0, ServerMessage.newBuilder().setDone(TrainingDone.getDefaultInstance()));
    }
  }
}
