package org.mpsl4j.engine.mpsl;

/**
 * Settings of one MPSL client.
 *
 * @param clientId the identity it authenticates as
 * @param token its credential (may be empty when the server does not check)
 * @param batchSize local mini-batch b_i (reference: 5)
 * @param modelSeed seed of the initial model (the same on every client and the server)
 * @param dataSeed seed of this client's epoch order
 */
public record ClientConfig(String clientId, String token, int batchSize, long modelSeed, long dataSeed) {
  public ClientConfig {
    if (clientId == null || clientId.isBlank()) {
      throw new IllegalArgumentException("clientId must not be blank");
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1 but was " + batchSize + " (use --client-batch)");
    }
  }
}
