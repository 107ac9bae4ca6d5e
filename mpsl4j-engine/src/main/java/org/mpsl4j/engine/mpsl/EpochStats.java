package org.mpsl4j.engine.mpsl;

/**
 * Training figures of one epoch as the server saw them.
 *
 * @param epoch 0-based
 * @param steps steps with at least one contributing client
 * @param samples samples trained on
 * @param meanLoss sample-weighted mean of the clients' reported losses
 * @param trainAccuracy fraction of correct predictions the clients reported (counts only)
 * @param seconds wall time of the epoch's steps
 * @param missedDeadlines client-step pairs dropped for missing a deadline or disconnecting
 */
public record EpochStats(int epoch, int steps, long samples, double meanLoss, double trainAccuracy, double seconds,
    int missedDeadlines) {}
