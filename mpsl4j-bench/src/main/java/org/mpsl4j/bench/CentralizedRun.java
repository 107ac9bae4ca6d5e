package org.mpsl4j.bench;

import java.util.Arrays;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.core.data.EpochOrder;
import org.mpsl4j.engine.centralized.CentralizedTrainer;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.train.StepLr;

/**
 * Centralized training of the same model, one step at a time: the reference MPSL's throughput is
 * divided by. A step copies its batch from the dataset, as an MPSL client does.
 */
final class CentralizedRun implements AutoCloseable {
  private final CentralizedTrainer trainer;
  private final LabeledDataset train;
  private final int[] order;
  private final int batch;
  private int next;

  CentralizedRun(ModelConfig model, LabeledDataset train, int batch, float lr, long seed) {
    this.trainer = new CentralizedTrainer(model, lr, new StepLr(lr, 5, 0.1f), batch, seed);
    this.train = train;
    this.batch = batch;
    int[] all = new int[train.size()];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    this.order = EpochOrder.of(all, seed, 0);
  }

  /** Runs {@code k} steps; returns the seconds of each. */
  double[] steps(int k) {
    double[] out = new double[k];
    for (int i = 0; i < k; i++) {
      if (next + batch > order.length) {
        next = 0;
      }
      long t0 = System.nanoTime();
      trainer.step(train.batch(Arrays.copyOfRange(order, next, next + batch)));
      out[i] = (System.nanoTime() - t0) / 1e9;
      next += batch;
    }
    return out;
  }

  @Override
  public void close() {
    trainer.close();
  }
}
