package org.mpsl4j.data;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A mini-batch of every input of a dataset plus the labels of its samples.
 *
 * <p>In MPSL no label is sent, only the inputs go through the tokenizers and onto the wire; but with the head on the
 * server the output gradients reveal the labels to it (docs/PRIVACY.md).
 *
 * @param inputs one batch per input, in the dataset's {@link LabeledDataset#inputs()} order (unmodifiable)
 * @param labels the class index of each sample
 */
public record Batch(Map<String, InputBatch> inputs, int[] labels) {

  public Batch {
    inputs = Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
    for (InputBatch b : inputs.values()) {
      if (b.batchSize() != labels.length) {
        throw new IllegalArgumentException("input '" + b.spec().name() + "' has " + b.batchSize()
            + " samples but there are " + labels.length + " labels");
      }
    }
  }

  /** Number of samples. */
  public int size() {
    return labels.length;
  }

  /** The batch of the named input. */
  public InputBatch input(String name) {
    InputBatch b = inputs.get(name);
    if (b == null) {
      throw new IllegalArgumentException("no input '" + name + "' in batch; inputs are " + inputs.keySet());
    }
    return b;
  }
}
