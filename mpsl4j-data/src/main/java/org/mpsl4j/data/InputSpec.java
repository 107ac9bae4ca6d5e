package org.mpsl4j.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * One named input of a dataset, e.g. {@code "image"} (IMAGE, [1,28,28]), {@code "audio"} (AUDIO, [1, mels, frames]),
 * {@code "text"} (TEXT, [maxLen] int64 token ids), {@code "phone"}/{@code "watch"} (SENSOR, [channels, length]).
 *
 * <p>The name is what a client's tokenizer is keyed by; the shape is that of one sample, without the batch dimension.
 *
 * @param name        the input's name, unique within a dataset
 * @param modality    what kind of signal it is
 * @param sampleShape the shape of one sample (a defensive copy is kept)
 */
public record InputSpec(String name, Modality modality, int[] sampleShape) {

  public InputSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(modality, "modality");
    sampleShape = sampleShape.clone();
    for (int d : sampleShape) {
      if (d <= 0) {
        throw new IllegalArgumentException(
            "input '" + name + "' has a non-positive dimension in shape " + Arrays.toString(sampleShape));
      }
    }
  }

  /** True for TEXT inputs: their batches carry int64 token ids and an attention mask instead of floats. */
  public boolean isTokenIds() {
    return modality == Modality.TEXT;
  }

  /** The shape of one sample; a copy, so callers may change it. */
  @Override
  public int[] sampleShape() {
    return sampleShape.clone();
  }

  /** Number of scalar values in one sample (the product of the sample shape). */
  public int sampleSize() {
    int n = 1;
    for (int d : sampleShape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InputSpec other
        && name.equals(other.name)
        && modality == other.modality
        && Arrays.equals(sampleShape, other.sampleShape);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, modality, Arrays.hashCode(sampleShape));
  }

  @Override
  public String toString() {
    return name + "(" + modality + ", " + Arrays.toString(sampleShape) + ")";
  }
}
