package org.mpsl4j.engine.baselines;

import java.time.Duration;
import java.util.Collection;
import org.mpsl4j.core.data.EpochOrder;

/**
 * How long a federated server waits for the model updates of one round. {@code --deadline-s} is a per-step
 * allowance: a split method's server waits that long for one mini-batch's reply, and a federated client's single
 * reply is a whole local training of many mini-batches, so one allowance for it cut honest work (a FedAvg round with a
 * pretrained encoder took longer than 120 s, every update was left out, and the run ended as its initial model).
 * The round gets one allowance per mini-batch the largest client trains, times the turns the clients wait for a
 * worker thread ({@code ceil(clients / workers)}): the baselines always run their clients in process on
 * {@code workers} threads, so a client's training also waits for the others'. A hung client still ends the round,
 * after the sum.
 *
 * @param perStep the allowance for one mini-batch's work ({@code --deadline-s})
 * @param clientBatch each client's mini-batch
 * @param workers threads the clients' work runs on
 */
public record LocalTrainingDeadline(Duration perStep, int clientBatch, int workers) {

  public LocalTrainingDeadline {
    java.util.Objects.requireNonNull(perStep, "perStep");
    if (perStep.isNegative() || perStep.isZero() || clientBatch < 1 || workers < 1) {
      throw new IllegalArgumentException("a local-training deadline needs a positive per-step deadline, client batch "
          + "and worker count, got " + perStep + ", " + clientBatch + ", " + workers);
    }
  }

  /** The deadline for one round of {@code localEpochs} over clients holding {@code clientSamples} samples each. */
  public Duration forRound(Collection<Integer> clientSamples, int localEpochs) {
    int steps = clientSamples.stream().mapToInt(n -> EpochOrder.steps(n, clientBatch)).max().orElse(1);
    long turns = (clientSamples.size() + workers - 1L) / workers;
    long allowances = Math.max(1, (long) steps * Math.max(1, localEpochs) * Math.max(1, turns));
    return perStep.multipliedBy(allowances);
  }
}
