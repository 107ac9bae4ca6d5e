package org.mpsl4j.data.cache;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.mpsl4j.data.ArrayDataset;
import org.mpsl4j.data.Column;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.InputSpec;
import org.mpsl4j.data.Modality;

/**
 * Preprocessed train/test tensors on disk, so that a second run skips decoding, rendering and spectrograms.
 *
 * <p>A file is named {@code <dataset>-<key hash>.bin} under the cache folder; the key covers the format version, the
 * dataset, a fingerprint of its source files (names, sizes, modification times) and every preprocessing setting.
 * Changing any of them therefore makes a new key: stale files are never read, only left behind (delete the folder to
 * reclaim the space). Files are written to a temporary name and moved into place, so a crashed run leaves no torn
 * file; an unreadable file is reported, deleted and rebuilt. The format is private to this class (big-endian,
 * length-prefixed arrays). Not safe for two processes writing the same key at once (the last move wins, which is
 * harmless because both wrote the same content).
 */
public final class SplitCache {

  private static final int MAGIC = 0x4d50534c; // "MPSL"
  private static final int VERSION = 1;
  private static final int CHUNK = 1 << 16;

  private final Path dir;

  /** A cache in this folder (created on first write). */
  public SplitCache(Path dir) {
    this.dir = dir;
  }

  /** The file that holds the split for this dataset and key. */
  public Path fileFor(String dataset, String key) {
    return dir.resolve(dataset + "-" + hash("v" + VERSION + "|" + dataset + "|" + key).substring(0, 20) + ".bin");
  }

  /**
   * The cached split for this key, or else the one {@code build} makes, which is then stored.
   *
   * @param log receives one line saying whether the cache was hit and which file
   */
  public DatasetSplit getOrBuild(String dataset, String key, Supplier<DatasetSplit> build,
      PrintStream log) {
    Path file = fileFor(dataset, key);
    Optional<DatasetSplit> cached = read(file, log);
    if (cached.isPresent()) {
      log.println(dataset + ": loaded preprocessed tensors from cache " + file);
      return cached.get();
    }
    DatasetSplit split = build.get();
    write(file, split);
    log.println(dataset + ": cached preprocessed tensors in " + file);
    return split;
  }

  /** Reads a cache file; empty if it does not exist, or (reported) if it is unreadable, in which case it is deleted. */
  public Optional<DatasetSplit> read(Path file, PrintStream log) {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file),
        CHUNK))) {
      if (in.readInt() != MAGIC || in.readInt() != VERSION) {
        throw new IOException("not an mpsl4j cache file of version " + VERSION);
      }
      ArrayDataset train = readDataset(in);
      ArrayDataset test = readDataset(in);
      return Optional.of(new DatasetSplit(train, test));
    } catch (IOException | RuntimeException e) {
      log.println("cache file " + file + " is unreadable (" + e.getMessage() + "); deleting and rebuilding");
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // Rebuilding overwrites it anyway.
      }
      return Optional.empty();
    }
  }

  /** Writes a split atomically (temporary file, then move). */
  public void write(Path file, DatasetSplit split) {
    try {
      Files.createDirectories(file.getParent());
      Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
      try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp),
          CHUNK))) {
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        writeDataset(out, (ArrayDataset) split.train());
        writeDataset(out, (ArrayDataset) split.test());
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write cache file " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes one dataset alone (e.g. a server's test set, {@link org.mpsl4j.data.ServerData}) in this class's format,
   * atomically.
   */
  public static void writeOne(Path file, ArrayDataset dataset) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), CHUNK))) {
      out.writeInt(MAGIC);
      out.writeInt(VERSION);
      writeDataset(out, dataset);
    }
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Reads a dataset written by {@link #writeOne}; an unreadable file is an IOException naming it. */
  public static ArrayDataset readOne(Path file) throws IOException {
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), CHUNK))) {
      if (in.readInt() != MAGIC || in.readInt() != VERSION) {
        throw new IOException(file + " is not an mpsl4j dataset file of version " + VERSION);
      }
      return readDataset(in);
    } catch (EOFException e) {
      throw new IOException(file + " is truncated", e);
    }
  }

  /** SHA-256 of a text, in hex. */
  public static String hash(String text) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static void writeDataset(DataOutputStream out, ArrayDataset d) throws IOException {
    out.writeUTF(d.name());
    writeStrings(out, d.classNames());
    writeStrings(out, d.groupNames());
    writeInts(out, d.labels());
    boolean hasGroups = !d.groupNames().isEmpty();
    out.writeBoolean(hasGroups);
    if (hasGroups) {
      writeInts(out, d.groups());
    }
    out.writeInt(d.columns().size());
    for (Column c : d.columns()) {
      writeColumn(out, c);
    }
  }

  private static void writeColumn(DataOutputStream out, Column c) throws IOException {
    InputSpec s = c.spec();
    out.writeUTF(s.name());
    out.writeUTF(s.modality().name());
    writeInts(out, s.sampleShape());
    if (c instanceof Column.Indexed x) {
      out.writeByte('I');
      writeInts(out, x.rowOf());
      writeColumn(out, x.base());
    } else if (c instanceof Column.Floats f) {
      out.writeByte('F');
      writeFloats(out, f.values());
    } else if (c instanceof Column.Bytes b) {
      out.writeByte('B');
      out.writeFloat(b.mean());
      out.writeFloat(b.std());
      out.writeInt(b.values().length);
      out.write(b.values());
    } else if (c instanceof Column.Tokens t) {
      out.writeByte('T');
      writeLongs(out, t.ids());
      writeLongs(out, t.attentionMask());
    }
  }

  private static ArrayDataset readDataset(DataInputStream in) throws IOException {
    String name = in.readUTF();
    List<String> classNames = readStrings(in);
    List<String> groupNames = readStrings(in);
    int[] labels = readInts(in);
    int[] groups = in.readBoolean() ? readInts(in) : null;
    int n = in.readInt();
    List<Column> columns = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      columns.add(readColumn(in));
    }
    return new ArrayDataset(name, classNames, columns, labels, groups, groupNames);
  }

  private static Column readColumn(DataInputStream in) throws IOException {
    InputSpec spec = new InputSpec(in.readUTF(), Modality.valueOf(in.readUTF()), readInts(in));
    int kind = in.readByte();
    switch (kind) {
      case 'I': {
        int[] rowOf = readInts(in);
        return new Column.Indexed(readColumn(in), rowOf);
      }
      case 'F':
        return new Column.Floats(spec, readFloats(in));
      case 'B': {
        float mean = in.readFloat();
        float std = in.readFloat();
        byte[] values = new byte[checkLength(in.readInt())];
        in.readFully(values);
        return new Column.Bytes(spec, values, mean, std);
      }
      case 'T':
        return new Column.Tokens(spec, readLongs(in), readLongs(in));
      default:
        throw new IOException("unknown column kind " + kind);
    }
  }

  private static void writeStrings(DataOutputStream out, List<String> values) throws IOException {
    out.writeInt(values.size());
    for (String v : values) {
      out.writeUTF(v);
    }
  }

  private static List<String> readStrings(DataInputStream in) throws IOException {
    int n = in.readInt();
    List<String> values = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      values.add(in.readUTF());
    }
    return values;
  }

  private static void writeInts(DataOutputStream out, int[] values) throws IOException {
    out.writeInt(values.length);
    ByteBuffer buf = ByteBuffer.allocate(CHUNK * 4).order(ByteOrder.BIG_ENDIAN);
    for (int from = 0; from < values.length; from += CHUNK) {
      int len = Math.min(CHUNK, values.length - from);
      buf.clear();
      buf.asIntBuffer().put(values, from, len);
      out.write(buf.array(), 0, len * 4);
    }
  }

  private static int[] readInts(DataInputStream in) throws IOException {
    int[] values = new int[checkLength(in.readInt())];
    byte[] bytes = new byte[CHUNK * 4];
    for (int from = 0; from < values.length; from += CHUNK) {
      int len = Math.min(CHUNK, values.length - from);
      in.readFully(bytes, 0, len * 4);
      ByteBuffer.wrap(bytes, 0, len * 4).asIntBuffer().get(values, from, len);
    }
    return values;
  }

  private static void writeFloats(DataOutputStream out, float[] values) throws IOException {
    out.writeInt(values.length);
    ByteBuffer buf = ByteBuffer.allocate(CHUNK * 4);
    for (int from = 0; from < values.length; from += CHUNK) {
      int len = Math.min(CHUNK, values.length - from);
      buf.clear();
      buf.asFloatBuffer().put(values, from, len);
      out.write(buf.array(), 0, len * 4);
    }
  }

  private static float[] readFloats(DataInputStream in) throws IOException {
    float[] values = new float[checkLength(in.readInt())];
    byte[] bytes = new byte[CHUNK * 4];
    for (int from = 0; from < values.length; from += CHUNK) {
      int len = Math.min(CHUNK, values.length - from);
      in.readFully(bytes, 0, len * 4);
      ByteBuffer.wrap(bytes, 0, len * 4).asFloatBuffer().get(values, from, len);
    }
    return values;
  }

  private static void writeLongs(DataOutputStream out, long[] values) throws IOException {
    out.writeInt(values.length);
    ByteBuffer buf = ByteBuffer.allocate(CHUNK * 8);
    for (int from = 0; from < values.length; from += CHUNK) {
      int len = Math.min(CHUNK, values.length - from);
      buf.clear();
      buf.asLongBuffer().put(values, from, len);
      out.write(buf.array(), 0, len * 8);
    }
  }

  private static long[] readLongs(DataInputStream in) throws IOException {
    long[] values = new long[checkLength(in.readInt())];
    byte[] bytes = new byte[CHUNK * 8];
    for (int from = 0; from < values.length; from += CHUNK) {
      int len = Math.min(CHUNK, values.length - from);
      in.readFully(bytes, 0, len * 8);
      ByteBuffer.wrap(bytes, 0, len * 8).asLongBuffer().get(values, from, len);
    }
    return values;
  }

  private static int checkLength(int n) throws IOException {
    if (n < 0) {
      throw new EOFException("negative array length " + n);
    }
    return n;
  }
}
