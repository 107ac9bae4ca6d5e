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
 * @param checkpointDir where the server writes its checkpoints ({@link ServerCheckpoint}); null writes none
 * @param checkpointEvery training steps between checkpoints (besides one at every epoch end); 0: epoch ends only
 * @param minClients when the join timeout passes with fewer than {@code expectedClients} joined, training still
 *     starts if at least this many have (the rest may join later); equal to {@code expectedClients} by default,
 *     so that a run never starts short-handed unless asked to (e.g. a resume after a client was lost for good)
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
    int maxSessions,
    java.nio.file.Path checkpointDir,
    int checkpointEvery,
    int minClients) {

  /** Settings without checkpoints. */
  public ServerConfig(int expectedClients, int epochs, float learningRate, int stepLrSize, float stepLrGamma,
      Duration joinTimeout, Duration stepDeadline, Map<String, String> tokens, String sharedToken, int maxClientBatch,
      int maxSessions) {
    this(expectedClients, epochs, learningRate, stepLrSize, stepLrGamma, joinTimeout, stepDeadline, tokens, sharedToken,
        maxClientBatch, maxSessions, null, 0, expectedClients);
  }

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
    if (checkpointEvery < 0) {
      throw new IllegalArgumentException("checkpointEvery must be >= 0 but was " + checkpointEvery
          + " (use --checkpoint-every)");
    }
    if (minClients < 1 || minClients > expectedClients) {
      throw new IllegalArgumentException("minClients must be in [1, " + expectedClients + "] but was " + minClients
          + " (use --min-clients)");
    }
    tokens = Map.copyOf(tokens);
  }

  /** These settings with checkpoints into {@code dir} every {@code every} training steps and at each epoch end. */
  public ServerConfig withCheckpoints(java.nio.file.Path dir, int every) {
    return new ServerConfig(expectedClients, epochs, learningRate, stepLrSize, stepLrGamma, joinTimeout, stepDeadline,
        tokens, sharedToken, maxClientBatch, maxSessions, dir, every, minClients);
  }

  /** These settings with another session limit. */
  public ServerConfig withMaxSessions(int max) {
    return new ServerConfig(expectedClients, epochs, learningRate, stepLrSize, stepLrGamma, joinTimeout, stepDeadline,
        tokens, sharedToken, maxClientBatch, max, checkpointDir, checkpointEvery, minClients);
  }

  /** These settings with per-client tokens (client id → token) instead of a shared one. */
  public ServerConfig withTokens(Map<String, String> clientTokens) {
    return new ServerConfig(expectedClients, epochs, learningRate, stepLrSize, stepLrGamma, joinTimeout, stepDeadline,
        clientTokens, clientTokens.isEmpty() ? sharedToken : null, maxClientBatch, maxSessions, checkpointDir,
        checkpointEvery, minClients);
  }

  /** These settings, starting at the join timeout with at least {@code min} clients if not all joined. */
  public ServerConfig withMinClients(int min) {
    return new ServerConfig(expectedClients, epochs, learningRate, stepLrSize, stepLrGamma, joinTimeout, stepDeadline,
        tokens, sharedToken, maxClientBatch, maxSessions, checkpointDir, checkpointEvery, min);
  }
}
