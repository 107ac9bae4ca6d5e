package org.mpsl4j.data.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mpsl4j.data.CorruptDataException;
import org.mpsl4j.data.Datasets;
import org.mpsl4j.data.TestData;

/** Idx files with a bad header, a short body or extra bytes are rejected as a whole, naming the file. */
final class IdxFileTest {

  /** A label file: magic 0x00000801, count, then one byte per label. */
  private static byte[] labelFile(int declared, byte... labels) {
    return ByteBuffer.allocate(8 + labels.length).putInt(0x00000801).putInt(declared).put(labels).array();
  }

  @Test
  void read_validLabels_returnsValues(@TempDir Path dir) throws Exception {
    Path f = Files.write(dir.resolve("labels"), labelFile(3, (byte) 7, (byte) 0, (byte) 9));

    IdxFile idx = IdxFile.read(f, 1);

    assertThat(idx.dimensions()).containsExactly(3);
    assertThat(idx.data()).containsExactly(7, 0, 9);
  }

  @Test
  void read_gzipped_decompressed(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("labels.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(f))) {
      out.write(labelFile(2, (byte) 1, (byte) 2));
    }
    assertThat(IdxFile.read(f, 1).data()).containsExactly(1, 2);
  }

  @Test
  void read_badMagic_rejectedNamingFileAndMagic(@TempDir Path dir) throws Exception {
    byte[] bytes = labelFile(2, (byte) 1, (byte) 2);
    bytes[2] = 0x0d; // float type code instead of unsigned byte
    Path f = Files.write(dir.resolve("train-labels-idx1-ubyte"), bytes);

    assertThatThrownBy(() -> IdxFile.read(f, 1))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining(f.toString())
        .hasMessageContaining("bad idx header")
        .hasMessageContaining("0x00000d01");
  }

  @Test
  void read_imagesFileReadAsLabels_rejectedForDimensionCount() {
    Path real = TestData.mnistDir().resolve("t10k-images-idx3-ubyte");
    assertThatThrownBy(() -> IdxFile.read(real, 1))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("expected 0x00000801");
  }

  @Test
  void read_truncatedBody_rejectedWithCounts(@TempDir Path dir) throws Exception {
    Path f = Files.write(dir.resolve("labels"), labelFile(5, (byte) 1, (byte) 2));

    assertThatThrownBy(() -> IdxFile.read(f, 1))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("truncated")
        .hasMessageContaining("promises 5 values but only 2 follow");
  }

  @Test
  void read_trailingBytes_rejected(@TempDir Path dir) throws Exception {
    Path f = Files.write(dir.resolve("labels"), labelFile(1, (byte) 1, (byte) 2));

    assertThatThrownBy(() -> IdxFile.read(f, 1)).hasMessageContaining("trailing bytes");
  }

  @Test
  void load_mnistFolderWithCorruptLabels_failsNamingTheFile(@TempDir Path dir) throws Exception {
    Path mnist = TestData.mnistDir();
    for (String f : new String[] {"train-images-idx3-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
      Files.createSymbolicLink(dir.resolve(f), mnist.resolve(f));
    }
    byte[] labels = Files.readAllBytes(mnist.resolve("train-labels-idx1-ubyte"));
    Files.write(dir.resolve("train-labels-idx1-ubyte"), Arrays.copyOf(labels, labels.length - 10));

    assertThatThrownBy(() -> Datasets.load("mnist", dir, TestData.options().optMnistDir(dir).build()))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("train-labels-idx1-ubyte")
        .hasMessageContaining("truncated");
  }
}
