package org.mpsl4j.privacy.audit;

import java.util.Arrays;
import org.mpsl4j.data.Batch;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.core.data.EpochOrder;
import org.mpsl4j.core.data.SpreadBatches;
import org.mpsl4j.engine.sim.ClientBatches;

/**
 * What the clients really held at each step, for scoring attacks: the simulation derives every share in one process,
 * so the auditor can name the mini-batch of client i at (epoch, step in epoch) the way the client does (its seeded
 * epoch order) and its batch plan (equal, proportional or spread: {@link ClientBatches}). Never given to an attack.
 */
final class GroundTruth {
  private final LabeledDataset train;
  private final Partition partition;
  private final int batchSize;
  private final long seed;
  private final ClientBatches plan;
  /** Spread batches: the epoch's steps T the server announces; 0 otherwise. */
  private final int spreadSteps;

  GroundTruth(LabeledDataset train, Partition partition, int batchSize, long seed) {
    this(train, partition, batchSize, seed, ClientBatches.EQUAL);
  }

  GroundTruth(LabeledDataset train, Partition partition, int batchSize, long seed, ClientBatches plan) {
    this.train = train;
    this.partition = partition;
    this.batchSize = batchSize;
    this.seed = seed;
    this.plan = plan;
    long total = 0;
    for (int c = 0; c < partition.numClients(); c++) {
      total += partition.clientSize(c);
    }
    this.spreadSteps = plan == ClientBatches.SPREAD
        ? SpreadBatches.stepsPerEpoch(total, ClientBatches.serverBatch(partition.numClients(), batchSize)) : 0;
  }

  /** The batch of client {@code index} (id {@code client-<index>}) at that step, cut as the client cuts it. */
  Batch batch(int index, int epoch, int stepInEpoch) {
    int[] order = EpochOrder.of(partition.client(index), seed + 1 + index, epoch);
    int from;
    int to;
    if (spreadSteps > 0) {
      from = SpreadBatches.sliceStart(order.length, spreadSteps, stepInEpoch);
      to = SpreadBatches.sliceStart(order.length, spreadSteps, stepInEpoch + 1);
    } else {
      int b = plan.batch(partition, index, batchSize);
      from = stepInEpoch * b;
      to = Math.min(order.length, from + b);
    }
    return train.batch(Arrays.copyOfRange(order, from, to));
  }

  /** The class counts of client {@code index}'s whole training share. */
  int[] histogram(int index) {
    int[] counts = new int[train.numClasses()];
    for (int i : partition.client(index)) {
      counts[train.label(i)]++;
    }
    return counts;
  }

  static int index(String clientId) {
    return Integer.parseInt(clientId.substring(clientId.lastIndexOf('-') + 1));
  }
}
