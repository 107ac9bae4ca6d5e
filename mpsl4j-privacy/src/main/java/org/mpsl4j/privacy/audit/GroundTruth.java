package org.mpsl4j.privacy.audit;

import java.util.Arrays;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.core.data.EpochOrder;
import org.mpsl4j.core.data.SpreadBatches;

/**
 * What the clients really held at each step, for scoring attacks: the simulation derives every share in one process,
 * so the auditor can name the mini-batch of client i at (epoch, step in epoch) the way the client does (its seeded
 * epoch order). Never given to an attack.
 */
final class GroundTruth {
  private final LabeledDataset train;
  private final Partition partition;
  private final java.util.function.IntUnaryOperator batchSize;
  private final int spreadSteps;
  private final long seed;

  /**
   * @param batchSize client i's batch (equal, or proportional to its share)
   * @param spreadSteps with spread batches the epoch's T steps, over which each client slices its data
   *     ({@link SpreadBatches}, as {@code ClientSplitStep.begin} does); 0 for fixed batches
   */
  GroundTruth(LabeledDataset train, Partition partition, java.util.function.IntUnaryOperator batchSize, int spreadSteps,
      long seed) {
    this.train = train;
    this.partition = partition;
    this.batchSize = batchSize;
    this.spreadSteps = spreadSteps;
    this.seed = seed;
  }

  /**
   * The training-set indices of the samples in client {@code index}'s (id {@code client-<index>}) batch at that step,
   * in its row order.
   */
  int[] samples(int index, int epoch, int stepInEpoch) {
    int[] order = EpochOrder.of(partition.client(index), seed + 1 + index, epoch);
    if (spreadSteps > 0) {
      return Arrays.copyOfRange(order, SpreadBatches.sliceStart(order.length, spreadSteps, stepInEpoch),
          SpreadBatches.sliceStart(order.length, spreadSteps, stepInEpoch + 1));
    }
    int b = batchSize.applyAsInt(index);
    int from = stepInEpoch * b;
    return Arrays.copyOfRange(order, from, Math.min(order.length, from + b));
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
