package org.mpsl4j.core.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mpsl4j.data.Batch;
import org.mpsl4j.data.InputBatch;

/**
 * A dataset {@link Batch} as native tensors in one step's manager: inputs by name, padding masks
 * for text inputs, and labels. Labels stay with whoever holds the batch (the client in MPSL).
 */
public record BatchTensors(Map<String, NDArray> inputs, Map<String, NDArray> masks, NDArray labels) {

  /** Copies {@code batch} into arrays owned by {@code manager} (one bulk copy per input, no per-element loop). */
  public static BatchTensors of(Batch batch, NDManager manager) {
    Map<String, NDArray> inputs = new LinkedHashMap<>();
    Map<String, NDArray> masks = new LinkedHashMap<>();
    for (Map.Entry<String, InputBatch> e : batch.inputs().entrySet()) {
      InputBatch b = e.getValue();
      Shape shape = new Shape(b.shape());
      if (b.spec().isTokenIds()) {
        inputs.put(e.getKey(), manager.create(b.ids(), shape));
        masks.put(e.getKey(), manager.create(toFloat(b.attentionMask()), new Shape(b.batchSize(), b.spec().sampleSize())));
      } else {
        inputs.put(e.getKey(), manager.create(b.floats(), shape));
      }
    }
    NDArray labels = manager.create(toLong(batch.labels()));
    return new BatchTensors(inputs, masks, labels);
  }

  public int size() {
    return (int) labels.getShape().get(0);
  }

  private static float[] toFloat(long[] mask) {
    float[] out = new float[mask.length];
    for (int i = 0; i < mask.length; i++) {
      out[i] = mask[i];
    }
    return out;
  }

  private static long[] toLong(int[] labels) {
    long[] out = new long[labels.length];
    for (int i = 0; i < labels.length; i++) {
      out[i] = labels[i];
    }
    return out;
  }
}
