package org.mpsl4j.engine.sim;

import java.time.Duration;
import org.mpsl4j.model.ModelConfig;

/**
 * One embedded MPSL run.
 *
 * @param model the model both halves are built from
 * @param clients number of simulated clients
 * @param clientBatch each client's mini-batch (reference 5; server batch = clients × clientBatch)
 * @param epochs training epochs
 * @param learningRate Adam learning rate on both sides (reference 1e-4)
 * @param stepLrSize StepLR step in epochs (reference 5)
 * @param alpha Dirichlet concentration of the non-IID partition; ≥ 1e4 is treated as IID
 * @param minPerClient least samples per client (reference 10)
 * @param seed one seed for model, partition and orders (reference 2024)
 * @param stepDeadline how long the server waits for clients in each phase of a step
 * @param threads client worker threads (clients share them)
 */
public record SimulationConfig(ModelConfig model, int clients, int clientBatch, int epochs, float learningRate,
    int stepLrSize, double alpha, int minPerClient, long seed, Duration stepDeadline, int threads) {
  public SimulationConfig {
    if (clients < 1) {
      throw new IllegalArgumentException("clients must be >= 1 but was " + clients + " (use --clients)");
    }
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1 but was " + threads);
    }
  }
}
