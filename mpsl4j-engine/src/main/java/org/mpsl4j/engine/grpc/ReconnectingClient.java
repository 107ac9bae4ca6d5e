package org.mpsl4j.engine.grpc;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.io.IOException;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.mpsl4j.engine.mpsl.MpslClient;

/**
 * Runs one {@link MpslClient} until the server says training is done, coming back after every broken
 * stream (server crash or restart, network loss): exponential backoff with jitter between attempts,
 * at most {@link Backoff#attempts()} failed attempts in a row (an attempt the server welcomed resets
 * the count: the next outage is a new one). Each attempt is a new session with a new Hello, which
 * tells the server the client's last applied step; the Welcome tells the client where the server
 * resumes, and the client rolls back to its own checkpoint if it is ahead ({@link MpslClient}).
 * A stream the server ended normally (training done, or a refusal) is not retried.
 */
public final class ReconnectingClient {
  private final MpslClient client;
  private final ManagedChannel channel;
  private final Backoff backoff;
  private final ConnectCheck connectCheck;
  private final Consumer<String> log;
  private final Random jitter;
  private volatile boolean stopped;
  private volatile ClientRunner current;

  /**
   * Delays between attempts: {@code initial · 2^n}, capped at {@code max}, each drawn uniformly from
   * [½, 1] of that ("equal jitter"), so that clients cut off together do not all come back at once.
   *
   * @param attempts failed attempts in a row before giving up
   */
  public record Backoff(Duration initial, Duration max, int attempts) {
    public Backoff {
      if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0 || attempts < 0) {
        throw new IllegalArgumentException("backoff needs 0 < initial (" + initial + ") <= max (" + max
            + ") and attempts >= 0 (" + attempts + ")");
      }
    }

    /** The delay before retry {@code n} (0-based). */
    public Duration delay(int n, Random rng) {
      long cap = max.toMillis();
      long full = Math.min(cap, initial.toMillis() << Math.min(n, 30));
      return Duration.ofMillis(full / 2 + (long) (rng.nextDouble() * (full - full / 2)));
    }
  }

  /** Waits for the server to accept connections; throws with the cause when it cannot be reached. */
  @FunctionalInterface
  public interface ConnectCheck {
    void awaitReady(ManagedChannel channel) throws IOException, InterruptedException;
  }

  /** How a client's run ended. */
  public record Result(boolean done, Status lastStatus, int reconnects, long bytesUp, long bytesDown,
      String connectError) {}

  /**
   * @param connectCheck run before each attempt, e.g. {@link TcpTransport#awaitReady} for clear TCP
   *     and TLS errors; the stream itself waits for the channel too
   * @param log one line per reconnect
   */
  public ReconnectingClient(MpslClient client, ManagedChannel channel, Backoff backoff, ConnectCheck connectCheck,
      Consumer<String> log) {
    this.client = client;
    this.channel = channel;
    this.backoff = backoff;
    this.connectCheck = connectCheck;
    this.log = log;
    this.jitter = new Random(client.clientId().hashCode() ^ System.nanoTime());
  }

  /** Runs until training is done, the attempts are used up, or {@code timeout} passes. */
  public Result run(Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    long up = 0;
    long down = 0;
    int failures = 0;
    int reconnects = 0;
    Status status = Status.UNKNOWN.withDescription("not started");
    while (true) {
      try {
        connectCheck.awaitReady(channel);
      } catch (IOException e) {
        return new Result(false, status, reconnects, up, down, e.getMessage());
      }
      ClientRunner runner = new ClientRunner(client, channel);
      current = runner;
      if (stopped) {
        return new Result(false, Status.CANCELLED, reconnects, up, down, null);
      }
      try {
        status = runner.start().get(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        runner.abort();
        return new Result(false, Status.DEADLINE_EXCEEDED.withDescription("training did not finish within " + timeout),
            reconnects, up + runner.bytesUp(), down + runner.bytesDown(), null);
      } catch (ExecutionException e) {
        status = Status.fromThrowable(e.getCause());
      }
      up += runner.bytesUp();
      down += runner.bytesDown();
      if (client.done() || status.isOk() || stopped) {
        return new Result(client.done(), status, reconnects, up, down, null);
      }
      if (runner.welcomed()) {
        failures = 0;
      }
      if (failures >= backoff.attempts()) {
        return new Result(false, status, reconnects, up, down, null);
      }
      Duration wait = backoff.delay(failures++, jitter);
      reconnects++;
      log.accept(String.format("%s: connection lost (%s%s); reconnecting in %.1f s (attempt %d of %d)",
          client.clientId(), status.getCode(), status.getDescription() == null ? "" : ": " + status.getDescription(),
          wait.toMillis() / 1000.0, failures, backoff.attempts()));
      Thread.sleep(wait.toMillis());
      // Our backoff governs: let the channel try at once instead of after its own reconnect backoff.
      channel.resetConnectBackoff();
    }
  }

  /** Ends the run as a crash of the client process would: the stream is cancelled and not retried. */
  public void stop() {
    stopped = true;
    ClientRunner r = current;
    if (r != null) {
      r.abort();
    }
  }
}
