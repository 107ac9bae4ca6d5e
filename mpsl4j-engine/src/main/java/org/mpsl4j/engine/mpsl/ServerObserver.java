package org.mpsl4j.engine.mpsl;

import java.util.List;

/**
 * What a running MPSL server reports as it happens, for a console log, metrics and a status page: sessions opening
 * and ending, refusals with their reason, and each step and epoch. Register with {@link MpslServer#observe}.
 *
 * <p>Called on gRPC threads and on the training thread, often concurrently: implementations must be thread-safe and
 * quick (no blocking, no I/O that can stall). An exception thrown by an observer is caught and reported once; it never
 * reaches the training.
 */
public interface ServerObserver {
  /** A client's session opened; {@code rejoin} when this client id had a session before in this run. */
  default void joined(String clientId, boolean rejoin) {}

  /**
   * A client's session ended before the end of training: its stream broke or closed ({@code reason} says how, as the
   * transport saw it), or a new session of the same client replaced it.
   */
  default void left(String clientId, String reason) {}

  /**
   * Something a client sent (or its connection) was refused. {@code clientId} is "" when not known yet (before its
   * Hello, or a TLS handshake); {@code reason} is a short code such as {@code BAD_HELLO} or {@code TLS};
   * {@code detail} is the message the client was sent, or what the transport said.
   */
  default void rejected(String clientId, String reason, String detail) {}

  /** A training step ended (also one that no client contributed to). */
  default void stepDone(StepReport step) {}

  /** An epoch's training ended (its tokenizers averaged and personalized evaluation done). */
  default void epochDone(EpochStats stats) {}

  /** All epochs are done; the clients are told so now, and their sessions end normally after this. */
  default void trainingDone() {}

  /**
   * One step as the server saw it.
   *
   * @param epoch 0-based
   * @param stepInEpoch 0-based
   * @param globalStep 1-based count of steps of the run
   * @param seconds wall time of the step
   * @param contributed clients whose output gradient was used
   * @param missed clients that were asked but sent nothing usable in time (late, gone, or refused)
   * @param samples samples of the step
   * @param meanLoss sample-weighted mean of the reported losses; NaN when no client contributed
   * @param accuracy share of correct predictions the clients reported; NaN when no client contributed
   */
  record StepReport(int epoch, int stepInEpoch, int stepsPerEpoch, long globalStep, double seconds,
      List<String> contributed, List<String> missed, long samples, double meanLoss, double accuracy) {}
}
