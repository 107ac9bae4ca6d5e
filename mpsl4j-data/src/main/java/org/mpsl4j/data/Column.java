package org.mpsl4j.data;

/**
 * The stored values of one input for all samples of a dataset, from which {@link ArrayDataset} copies batch rows.
 *
 * <p>Three encodings exist because they differ in memory by up to 4x: plain floats (audio, sensors), unsigned bytes
 * with an affine map to normalized floats (images: 60,000 MNIST digits take 47 MB instead of 188 MB), and token ids
 * with their attention mask (text). A fourth, {@link Indexed}, points rows at a smaller base column, so that one
 * recording's spectrogram shared by many samples (AV-MNIST pairs 60,000 images with 2,700 recordings) is stored once.
 * All are immutable once built.
 */
public sealed interface Column permits Column.Floats, Column.Bytes, Column.Tokens, Column.Indexed {

  /** The input these values belong to. */
  InputSpec spec();

  /** Number of samples stored. */
  int size();

  /** Copies the rows of these samples, in this order. */
  InputBatch rows(int[] indices);

  /** Float values, one row of {@code spec.sampleSize()} per sample. */
  record Floats(InputSpec spec, float[] values) implements Column {
    public Floats {
      requireRows(spec, values.length);
      if (spec.isTokenIds()) {
        throw new IllegalArgumentException("text input '" + spec.name() + "' cannot hold floats");
      }
    }

    @Override
    public int size() {
      return values.length / spec.sampleSize();
    }

    @Override
    public InputBatch rows(int[] indices) {
      int row = spec.sampleSize();
      float[] out = new float[indices.length * row];
      for (int i = 0; i < indices.length; i++) {
        System.arraycopy(values, checkIndex(indices[i], size()) * row, out, i * row, row);
      }
      return new InputBatch(spec, indices.length, out, null, null);
    }
  }

  /**
   * Unsigned bytes {@code b} (0..255) that stand for the floats {@code (b / 255 - mean) / std}: how images are kept.
   *
   * @param mean subtracted after scaling to [0, 1]
   * @param std  divided by after subtracting the mean
   */
  record Bytes(InputSpec spec, byte[] values, float mean, float std) implements Column {
    public Bytes {
      requireRows(spec, values.length);
      if (spec.isTokenIds()) {
        throw new IllegalArgumentException("text input '" + spec.name() + "' cannot hold pixel bytes");
      }
      if (!(std > 0)) {
        throw new IllegalArgumentException("std must be > 0 but was " + std);
      }
    }

    @Override
    public int size() {
      return values.length / spec.sampleSize();
    }

    /** The float that byte value {@code b} (0..255) stands for. */
    public float decode(int b) {
      return ((b & 0xff) / 255f - mean) / std;
    }

    @Override
    public InputBatch rows(int[] indices) {
      float[] lut = new float[256];
      for (int b = 0; b < 256; b++) {
        lut[b] = decode(b);
      }
      int row = spec.sampleSize();
      float[] out = new float[indices.length * row];
      for (int i = 0; i < indices.length; i++) {
        int from = checkIndex(indices[i], size()) * row;
        int to = i * row;
        for (int k = 0; k < row; k++) {
          out[to + k] = lut[values[from + k] & 0xff];
        }
      }
      return new InputBatch(spec, indices.length, out, null, null);
    }
  }

  /** Token ids and attention mask (1 = token, 0 = padding), one row of {@code maxLength} per sample. */
  record Tokens(InputSpec spec, long[] ids, long[] attentionMask) implements Column {
    public Tokens {
      if (!spec.isTokenIds()) {
        throw new IllegalArgumentException("input '" + spec.name() + "' is not TEXT and cannot hold token ids");
      }
      requireRows(spec, ids.length);
      if (attentionMask.length != ids.length) {
        throw new IllegalArgumentException(
            "attention mask length " + attentionMask.length + " differs from ids length " + ids.length);
      }
    }

    @Override
    public int size() {
      return ids.length / spec.sampleSize();
    }

    @Override
    public InputBatch rows(int[] indices) {
      int row = spec.sampleSize();
      long[] outIds = new long[indices.length * row];
      long[] outMask = new long[indices.length * row];
      for (int i = 0; i < indices.length; i++) {
        int from = checkIndex(indices[i], size()) * row;
        System.arraycopy(ids, from, outIds, i * row, row);
        System.arraycopy(attentionMask, from, outMask, i * row, row);
      }
      return new InputBatch(spec, indices.length, null, outIds, outMask);
    }
  }

  /**
   * Rows that repeat rows of a base column: sample {@code i} has the values of base row {@code rowOf[i]}.
   *
   * @param base  the distinct rows (not itself {@code Indexed})
   * @param rowOf base row of each sample
   */
  record Indexed(Column base, int[] rowOf) implements Column {
    public Indexed {
      if (base instanceof Indexed) {
        throw new IllegalArgumentException("an indexed column's base must hold values, not another index");
      }
      for (int r : rowOf) {
        checkIndex(r, base.size());
      }
    }

    @Override
    public InputSpec spec() {
      return base.spec();
    }

    @Override
    public int size() {
      return rowOf.length;
    }

    @Override
    public InputBatch rows(int[] indices) {
      int[] baseRows = new int[indices.length];
      for (int i = 0; i < indices.length; i++) {
        baseRows[i] = rowOf[checkIndex(indices[i], rowOf.length)];
      }
      return base.rows(baseRows);
    }
  }

  private static void requireRows(InputSpec spec, int length) {
    if (length % spec.sampleSize() != 0) {
      throw new IllegalArgumentException("input '" + spec.name() + "': " + length
          + " values are not a whole number of samples of size " + spec.sampleSize());
    }
  }

  private static int checkIndex(int index, int size) {
    if (index < 0 || index >= size) {
      throw new IndexOutOfBoundsException("sample index " + index + " outside 0.." + (size - 1));
    }
    return index;
  }
}
