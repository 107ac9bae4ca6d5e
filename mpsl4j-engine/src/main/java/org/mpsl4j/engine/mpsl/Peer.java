package org.mpsl4j.engine.mpsl;

import org.mpsl4j.protocol.v1.ServerMessage;

/** The server's handle on one connected client stream. Implementations must be thread-safe. */
public interface Peer {
  /** Sends a message; returns false if the stream is already closed. */
  boolean send(ServerMessage message);

  /** Ends the stream from the server side. */
  void close();
}
