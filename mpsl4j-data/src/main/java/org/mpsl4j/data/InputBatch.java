package org.mpsl4j.data;

import java.util.Objects;

/**
 * A mini-batch of one input, stored row-major as {@code batchSize x sampleShape}.
 *
 * <p>Non-text inputs carry {@code floats} (and {@code ids}/{@code attentionMask} are null); TEXT inputs carry int64
 * token {@code ids} and an {@code attentionMask} of the same length (1 = real token, 0 = padding), and {@code floats}
 * is null. The arrays are owned by the batch's receiver: a dataset hands out fresh copies.
 *
 * @param spec          which input this is
 * @param batchSize     number of samples (rows)
 * @param floats        values for IMAGE, AUDIO and SENSOR inputs, else null
 * @param ids           token ids for TEXT inputs, else null
 * @param attentionMask 1 for real tokens and 0 for padding, for TEXT inputs, else null
 */
public record InputBatch(InputSpec spec, int batchSize, float[] floats, long[] ids, long[] attentionMask) {

  public InputBatch {
    Objects.requireNonNull(spec, "spec");
    long expected = (long) batchSize * spec.sampleSize();
    if (spec.isTokenIds()) {
      if (ids == null || attentionMask == null || floats != null) {
        throw new IllegalArgumentException("text input '" + spec.name() + "' needs ids and attentionMask, no floats");
      }
      if (ids.length != expected || attentionMask.length != expected) {
        throw new IllegalArgumentException("text input '" + spec.name() + "': expected " + expected
            + " ids and mask values but got " + ids.length + " and " + attentionMask.length);
      }
    } else {
      if (floats == null || ids != null || attentionMask != null) {
        throw new IllegalArgumentException("input '" + spec.name() + "' needs floats only");
      }
      if (floats.length != expected) {
        throw new IllegalArgumentException(
            "input '" + spec.name() + "': expected " + expected + " floats but got " + floats.length);
      }
    }
  }

  /** The batch shape: {@code [batchSize, sampleShape...]}. */
  public long[] shape() {
    int[] s = spec.sampleShape();
    long[] shape = new long[s.length + 1];
    shape[0] = batchSize;
    for (int i = 0; i < s.length; i++) {
      shape[i + 1] = s[i];
    }
    return shape;
  }
}
