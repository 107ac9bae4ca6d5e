package org.mpsl4j.core.port;

/** A source of nanosecond time for deadlines, injected so that tests can move time themselves. */
@FunctionalInterface
public interface Ticker {
  long nanoTime();

  static Ticker system() {
    return System::nanoTime;
  }
}
