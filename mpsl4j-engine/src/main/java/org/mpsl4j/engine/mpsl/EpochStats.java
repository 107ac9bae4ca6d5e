package org.mpsl4j.engine.mpsl;

/**
 * Training figures of one epoch as the server saw them.
 *
 * @param epoch 0-based
 * @param steps steps with at least one contributing client
 * @param samples samples trained on
 * @param meanLoss sample-weighted mean of the clients' reported losses
 * @param trainAccuracy fraction of correct predictions the clients reported (counts only)
 * @param seconds wall time of the epoch's training: its steps and the tokenizer averaging, not the
 *     personalized evaluation that follows (so that steps per second compare with the baselines')
 * @param missedDeadlines client-step pairs dropped for missing a deadline or disconnecting
 * @param personalizedAccuracy accuracy of each client's own tokenizers on its local test share,
 *     pooled over clients (NaN if no client holds a test share)
 */
public record EpochStats(int epoch, int steps, long samples, double meanLoss, double trainAccuracy, double seconds,
    int missedDeadlines, double personalizedAccuracy) {}
