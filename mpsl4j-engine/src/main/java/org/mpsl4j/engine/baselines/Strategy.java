package org.mpsl4j.engine.baselines;

import org.mpsl4j.data.LabeledDataset;

/**
 * The server side of one baseline method, after Flower's strategy: it holds the global model and
 * decides what each round sends and how replies are aggregated; {@link RoundLoop} owns the loop
 * (rounds, schedule, byte accounting, evaluation, results) and is written once. A strategy does its
 * I/O only through the {@link Grid} it is handed, so it runs the same in-process over gRPC or over
 * the direct in-memory twin.
 *
 * <p>Life-cycle: constructed with its own native memory, {@link #round} once per epoch on one thread,
 * {@link #close()} by whoever built it.
 */
public interface Strategy extends AutoCloseable {
  /**
   * Runs one round (= one pass of every client over its data): configure, exchange, aggregate.
   *
   * @param round 0-based
   * @param learningRate the schedule's rate for this round, sent to the clients
   */
  RoundStats round(int round, float learningRate, Grid grid) throws InterruptedException;

  /** Test accuracy of the current global model. */
  double evaluate(LabeledDataset test);

  /** The current global model's test score; retrieval strategies override it to add Recall@K. */
  default org.mpsl4j.engine.TestScore score(LabeledDataset test) {
    return new org.mpsl4j.engine.TestScore(evaluate(test), null);
  }

  /** Bytes of parameter and optimizer-state tensors the server keeps between rounds. */
  long serverStateBytes();

  @Override
  void close();

  /**
   * What the server saw in one round.
   *
   * @param trainLoss sample-weighted mean training loss as it reached the server (split methods: the
   *     losses sent with the output gradients; federated: each upload's {@code train_loss}); NaN if none
   * @param missed client replies that did not arrive within the deadline or were refused (federated: one model
   *     update per client; split methods: each step's two replies and the round's client-part upload)
   * @param contributions client replies that trained the global model (federated: averaged updates; split methods:
   *     output gradients that counted in a step; a client part uploaded without any counted step is unchanged, so
   *     it does not count); 0 means the round trained nothing
   */
  record RoundStats(double trainLoss, int missed, int contributions) {}
}
