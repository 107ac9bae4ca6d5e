package org.mpsl4j.engine.mpsl;

import java.time.Duration;
import java.util.Map;

/**
 * Settings of an MPSL server run.
 *
 * @param expectedClients training starts when this many clients have joined
 * @param epochs training epochs
 * @param learningRate Adam learning rate of the server model (and the schedule sent to clients)
 * @param stepLrSize StepLR step size in epochs (reference 5)
 * @param stepLrGamma StepLR factor (reference 0.1)
 * @param joinTimeout how long to wait for the expected clients
 * @param stepDeadline how long each phase of a step waits for clients; a client that misses it sits
 *     the step out
 * @param tokens client id → token; empty accepts any client id with {@code sharedToken}
 * @param sharedToken the token every client presents when {@code tokens} is empty; null disables auth
 * @param maxClientBatch largest per-client batch accepted (bounds decoded tensors)
 * @param maxSessions most sessions open at once; a Hello beyond it is refused with {@code SERVER_FULL}
 */
public record ServerConfig(
    int expectedClients,
    int epochs,
    float learningRate,
    int stepLrSize,
    float stepLrGamma,
    Duration joinTimeout,
    Duration stepDeadline,
    Map<String, String> tokens,
    String sharedToken,
    int maxClientBatch,
    int maxSessions) {

  /** Settings that admit at most {@code expectedClients} sessions at once. */
  public ServerConfig(int expectedClients, int epochs, float learningRate, int stepLrSize, float stepLrGamma,
      Duration joinTimeout, Duration stepDeadline, Map<String, String> tokens, String sharedToken, int maxClientBatch) {
    this(expectedClients, epochs, learningRate, stepLrSize, stepLrGamma, joinTimeout, stepDeadline, tokens, sharedToken,
        maxClientBatch, expectedClients);
  }

  public ServerConfig {
    if (expectedClients < 1) {
      throw new IllegalArgumentException("expectedClients must be >= 1 but was " + expectedClients + " (use --clients)");
    }
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be >= 1 but was " + epochs + " (use --epochs)");
    }
    if (maxSessions < expectedClients) {
      throw new IllegalArgumentException("maxSessions (" + maxSessions + ") must be >= expectedClients ("
          + expectedClients + ") (use --max-sessions)");
    }
    tokens = Map.copyOf(tokens);
  }

  /** These settings with another session limit. */
  public ServerConfig withMaxSessions(int max) {
    return new ServerConfig(expectedClients, epochs, learningRate, stepLrSize, stepLrGamma, joinTimeout, stepDeadline,
        tokens, sharedToken, maxClientBatch, max);
  }

  /** These settings with per-client tokens (client id → token) instead of a shared one. */
  public ServerConfig withTokens(Map<String, String> clientTokens) {
    return new ServerConfig(expectedClients, epochs, learningRate, stepLrSize, stepLrGamma, joinTimeout, stepDeadline,
        clientTokens, clientTokens.isEmpty() ? sharedToken : null, maxClientBatch, maxSessions);
  }
}
