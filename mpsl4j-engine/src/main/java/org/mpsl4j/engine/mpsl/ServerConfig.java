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
    int maxClientBatch) {

  public ServerConfig {
    if (expectedClients < 1) {
      throw new IllegalArgumentException("expectedClients must be >= 1 but was " + expectedClients + " (use --clients)");
    }
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be >= 1 but was " + epochs + " (use --epochs)");
    }
    tokens = Map.copyOf(tokens);
  }
}
