package org.mpsl4j.engine.baselines;

import java.util.List;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.ServerMessage;

/** A client that joins and then never answers (a hung device): its every reply misses the deadline. */
final class SilentClient extends BaselineClient {
  SilentClient(Experiment x, int i) {
    super("client-" + i, x.model().tokenizers(), x.partition().clientSize(i), x.clientBatch());
  }

  @Override
  protected List<ClientMessage> handle(ServerMessage m) {
    return List.of();
  }

  @Override
  public void close() {}
}
