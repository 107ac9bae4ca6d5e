package org.mpsl4j.cli.live;

import java.io.PrintStream;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.mpsl4j.engine.mpsl.ServerObserver;

/**
 * The server's events as console lines (stderr): each join and rejoin, each drop with the transport's reason, each
 * refusal with its code and message (TLS refusals included), and each client that missed a step. A hostile or broken
 * client can cause thousands of refusals, so at most {@link #LINES_PER_MINUTE} refusal and miss lines are printed per
 * minute; the rest are counted and summed up in one line when the next minute begins. Thread-safe.
 */
public final class ConsoleEvents implements ServerObserver {
  static final int LINES_PER_MINUTE = 30;
  private static final long MINUTE = 60_000_000_000L;
  private final PrintStream out;
  private final LongSupplier nanos;
  private long windowStart;
  private int linesInWindow;
  private final Map<String, Integer> suppressed = new TreeMap<>();
  private volatile boolean trainingDone;

  public ConsoleEvents(PrintStream out) {
    this(out, System::nanoTime);
  }

  /** @param nanos the clock of the rate limit (tests pass their own) */
  ConsoleEvents(PrintStream out, LongSupplier nanos) {
    this.out = out;
    this.nanos = nanos;
    this.windowStart = nanos.getAsLong();
  }

  @Override
  public void joined(String clientId, boolean rejoin) {
    print(clientId + (rejoin ? " rejoined" : " joined"));
  }

  @Override
  public void left(String clientId, String reason) {
    if (!trainingDone) {
      print(clientId + " dropped: " + reason);
    }
  }

  @Override
  public void rejected(String clientId, String reason, String detail) {
    limited(reason, "refused " + (clientId.isEmpty() ? "a connection" : clientId) + ": " + reason + ": " + detail);
  }

  @Override
  public void stepDone(StepReport step) {
    for (String id : step.missed()) {
      limited("missed steps", id + " missed step " + step.globalStep() + " (epoch " + (step.epoch() + 1) + ", step "
          + (step.stepInEpoch() + 1) + "): no usable reply in time");
    }
  }

  @Override
  public void trainingDone() {
    trainingDone = true;
  }

  private synchronized void limited(String kind, String line) {
    long now = nanos.getAsLong();
    if (now - windowStart >= MINUTE) {
      flushSuppressed();
      windowStart = now;
      linesInWindow = 0;
    }
    if (linesInWindow < LINES_PER_MINUTE) {
      linesInWindow++;
      print(line);
    } else {
      suppressed.merge(kind, 1, Integer::sum);
    }
  }

  private void flushSuppressed() {
    if (!suppressed.isEmpty()) {
      print("... and " + suppressed.values().stream().mapToInt(Integer::intValue).sum() + " more not shown in the last"
          + " minute, by kind: " + suppressed + " (all are counted in the metrics)");
      suppressed.clear();
    }
  }

  private synchronized void print(String line) {
    out.println("mpsl4j server: " + line);
  }
}
