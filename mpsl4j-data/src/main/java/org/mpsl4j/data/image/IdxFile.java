package org.mpsl4j.data.image;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.mpsl4j.data.CorruptDataException;

/**
 * Reads unsigned-byte idx files (the MNIST format: a 4-byte magic {@code 00 00 08 <dims>}, one big-endian int per
 * dimension, then the bytes). Files ending in {@code .gz} are decompressed on the fly.
 *
 * <p>A file whose header or length does not match is rejected as a whole with a {@link CorruptDataException} naming
 * the file: a torn idx file cannot be partly trusted, since every later row would be shifted.
 *
 * @param file       where it was read from
 * @param dimensions the sizes from the header, e.g. {@code [60000, 28, 28]}
 * @param data       the values, row-major
 */
public record IdxFile(Path file, int[] dimensions, byte[] data) {

  /** Type code of unsigned bytes in the idx magic number. */
  private static final int UBYTE = 0x08;

  /** Reads and checks an idx file that must have {@code expectedDims} dimensions. */
  public static IdxFile read(Path file, int expectedDims) {
    try (InputStream raw = Files.newInputStream(file);
        DataInputStream in = new DataInputStream(file.toString().endsWith(".gz")
            ? new GZIPInputStream(raw, 1 << 16) : new BufferedInputStream(raw, 1 << 16))) {
      int magic;
      try {
        magic = in.readInt();
      } catch (EOFException e) {
        throw new CorruptDataException(file, "bad idx header: file is shorter than the 4-byte magic number");
      }
      int expectedMagic = (UBYTE << 8) | expectedDims;
      if (magic != expectedMagic) {
        throw new CorruptDataException(file, String.format(
            "bad idx header: magic number 0x%08x, expected 0x%08x (unsigned bytes, %d dimensions)",
            magic, expectedMagic, expectedDims));
      }
      int[] dims = new int[expectedDims];
      long total = 1;
      for (int i = 0; i < expectedDims; i++) {
        try {
          dims[i] = in.readInt();
        } catch (EOFException e) {
          throw new CorruptDataException(file, "bad idx header: truncated in dimension " + i);
        }
        if (dims[i] <= 0) {
          throw new CorruptDataException(file, "bad idx header: dimension " + i + " is " + dims[i]);
        }
        total *= dims[i];
      }
      if (total > Integer.MAX_VALUE - 16) {
        throw new CorruptDataException(file, "bad idx header: dimensions " + Arrays.toString(dims) + " are too large");
      }
      byte[] data = new byte[(int) total];
      int read = in.readNBytes(data, 0, data.length);
      if (read != data.length) {
        throw new CorruptDataException(file, "truncated: header " + Arrays.toString(dims) + " promises " + total
            + " values but only " + read + " follow");
      }
      if (in.read() != -1) {
        throw new CorruptDataException(file, "trailing bytes after the " + total + " values the header "
            + Arrays.toString(dims) + " promises");
      }
      return new IdxFile(file, dims, data);
    } catch (ZipException e) {
      throw new CorruptDataException(file, "not a valid gzip file: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Number of items (the first dimension). */
  public int count() {
    return dimensions[0];
  }
}
