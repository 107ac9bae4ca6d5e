package org.mpsl4j.engine.mpsl;

import org.mpsl4j.protocol.v1.ClientMessage;

/**
 * A client message waiting for the training thread, or (message null) a wake-up: a session ended,
 * so a phase waiting for its reply can stop waiting for it at once instead of at its deadline.
 */
record Inbound(long sessionId, ClientMessage message) {
  static Inbound wake(long sessionId) {
    return new Inbound(sessionId, null);
  }

  boolean isWake() {
    return message == null;
  }
}
