package org.mpsl4j.engine.mpsl;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import org.mpsl4j.protocol.v1.ErrorCode;

/**
 * Counts the Error messages a server sent, by code, and knows the server's current step, which is
 * what each session's budget of Errors per step counts against. Thread-safe.
 */
final class Rejections {
  private final AtomicLongArray counts = new AtomicLongArray(ErrorCode.values().length);
  private volatile long serverStep;

  /** The training thread began step {@code step} (a training step or an epoch end). */
  void stepStarted(long step) {
    serverStep = step;
  }

  /** The step the server is in (0 before training). */
  long serverStep() {
    return serverStep;
  }

  private final ServerObserver observer;

  Rejections(ServerObserver observer) {
    this.observer = observer;
  }

  /** Counts a refusal and reports it to the server's observers; {@code clientId} "" when not known. */
  void count(ErrorCode code, String clientId, String message) {
    counts.incrementAndGet(code == ErrorCode.UNRECOGNIZED ? 0 : code.ordinal());
    observer.rejected(clientId, code.name(), message);
  }

  /** The counts so far, codes that never occurred left out. */
  Map<ErrorCode, Long> snapshot() {
    Map<ErrorCode, Long> out = new EnumMap<>(ErrorCode.class);
    for (ErrorCode c : ErrorCode.values()) {
      long n = c == ErrorCode.UNRECOGNIZED ? 0 : counts.get(c.ordinal());
      if (n > 0) {
        out.put(c, n);
      }
    }
    return out;
  }
}
