package org.mpsl4j.core.port;

import java.time.Duration;

/** A point in {@link Ticker} time by which a phase's replies must have arrived. */
public record Deadline(Ticker ticker, long atNanos, Duration length) {
  public static Deadline after(Ticker ticker, Duration length) {
    return new Deadline(ticker, ticker.nanoTime() + length.toNanos(), length);
  }

  /** Nanoseconds left (0 once passed). */
  public long remainingNanos() {
    return Math.max(0, atNanos - ticker.nanoTime());
  }

  public boolean passed() {
    return remainingNanos() == 0;
  }
}
