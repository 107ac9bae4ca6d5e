package org.mpsl4j.model.checkpoint;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the safetensors file format (https://github.com/huggingface/safetensors): an
 * 8-byte little-endian header length, a JSON header mapping each name to dtype, shape and byte
 * offsets, then the raw little-endian data. Only the dtypes mpsl4j writes are supported (F32, I64).
 *
 * <p>Writes are atomic: the file is written beside the target and renamed over it, so a crash never
 * leaves a half-written checkpoint.
 */
public final class SafeTensors {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Refuse headers larger than this: a corrupt length field must not make us allocate gigabytes. */
  private static final long MAX_HEADER_BYTES = 100L << 20;

  private SafeTensors() {}

  /** One stored tensor: dtype ("F32" or "I64"), shape, and little-endian data. */
  public record Entry(String dtype, long[] shape, ByteBuffer data) {
    public long elements() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }
  }

  public static void write(Path file, Map<String, Entry> tensors, Map<String, String> metadata) throws IOException {
    // One byte order for one content: metadata keys sorted, each tensor's fields in a fixed order, so two runs that
    // save the same tensors and settings write the same file (a HashMap's or Map.of's order may differ per JVM).
    Map<String, Object> header = new LinkedHashMap<>();
    if (!metadata.isEmpty()) {
      header.put("__metadata__", new java.util.TreeMap<>(metadata));
    }
    long offset = 0;
    for (Map.Entry<String, Entry> e : tensors.entrySet()) {
      Entry t = e.getValue();
      long bytes = t.data().remaining();
      long expected = t.elements() * bytesPer(t.dtype());
      if (bytes != expected) {
        throw new IllegalArgumentException("tensor '" + e.getKey() + "' of shape " + Arrays.toString(t.shape())
            + " needs " + expected + " bytes but has " + bytes);
      }
      Map<String, Object> fields = new LinkedHashMap<>();
      fields.put("dtype", t.dtype());
      fields.put("shape", t.shape());
      fields.put("data_offsets", List.of(offset, offset + bytes));
      header.put(e.getKey(), fields);
      offset += bytes;
    }
    byte[] json = JSON.writeValueAsBytes(header);
    int padded = (json.length + 7) / 8 * 8;
    byte[] headerBytes = Arrays.copyOf(json, padded);
    Arrays.fill(headerBytes, json.length, padded, (byte) ' ');

    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).flip();
      writeFully(ch, len);
      writeFully(ch, ByteBuffer.wrap(headerBytes));
      for (Entry t : tensors.values()) {
        writeFully(ch, t.data().duplicate());
      }
      ch.force(true);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Reads every tensor of {@code file}; the buffers are little-endian views of one mapped file. */
  public static Map<String, Entry> read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException("checkpoint " + file + " does not exist");
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 8) {
        throw new IOException(file + " is not a safetensors file: only " + size + " bytes");
      }
      ByteBuffer all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size).order(ByteOrder.LITTLE_ENDIAN);
      long headerLen = all.getLong(0);
      if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES || 8 + headerLen > size) {
        throw new IOException(file + " is corrupt: header length " + headerLen + " in a file of " + size + " bytes");
      }
      byte[] json = new byte[(int) headerLen];
      all.get(8, json);
      Map<String, Object> header;
      try {
        header = JSON.readValue(new String(json, StandardCharsets.UTF_8).trim(), new TypeReference<>() {});
      } catch (IOException e) {
        throw new IOException(file + " is corrupt: its header is not valid JSON (" + e.getMessage() + ")", e);
      }
      long dataStart = 8 + headerLen;
      Map<String, Entry> out = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : header.entrySet()) {
        if (e.getKey().equals("__metadata__")) {
          continue;
        }
        out.put(e.getKey(), entry(file, e.getKey(), e.getValue(), all, dataStart, size));
      }
      return out;
    }
  }

  /** The {@code __metadata__} map of {@code file} (empty if none). */
  @SuppressWarnings("unchecked")
  public static Map<String, String> metadata(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      ch.read(len, 0);
      long headerLen = len.getLong(0);
      if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES) {
        throw new IOException(file + " is corrupt: header length " + headerLen);
      }
      ByteBuffer json = ByteBuffer.allocate((int) headerLen);
      ch.read(json, 8);
      Map<String, Object> header = JSON.readValue(json.array(), new TypeReference<>() {});
      Object meta = header.get("__metadata__");
      return meta == null ? Map.of() : (Map<String, String>) meta;
    }
  }

  @SuppressWarnings("unchecked")
  private static Entry entry(Path file, String name, Object raw, ByteBuffer all, long dataStart, long size)
      throws IOException {
    try {
      Map<String, Object> info = (Map<String, Object>) raw;
      String dtype = (String) info.get("dtype");
      List<Number> shapeList = (List<Number>) info.get("shape");
      List<Number> offsets = (List<Number>) info.get("data_offsets");
      long[] shape = shapeList.stream().mapToLong(Number::longValue).toArray();
      long begin = offsets.get(0).longValue();
      long end = offsets.get(1).longValue();
      Entry probe = new Entry(dtype, shape, ByteBuffer.allocate(0));
      long expected = probe.elements() * bytesPer(dtype);
      if (begin < 0 || end - begin != expected || dataStart + end > size) {
        throw new IOException(file + " is corrupt: tensor '" + name + "' " + dtype + Arrays.toString(shape)
            + " has offsets [" + begin + ", " + end + "] (needs " + expected + " bytes, data is " + (size - dataStart) + ")");
      }
      ByteBuffer data = all.slice((int) (dataStart + begin), (int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
      return new Entry(dtype, shape, data);
    } catch (ClassCastException | NullPointerException | IndexOutOfBoundsException e) {
      throw new IOException(file + " is corrupt: malformed header entry for '" + name + "'", e);
    }
  }

  static int bytesPer(String dtype) {
    return switch (dtype) {
      case "F32", "I32" -> 4;
      case "I64", "F64" -> 8;
      default -> throw new IllegalArgumentException("unsupported safetensors dtype " + dtype + " (F32, I64)");
    };
  }

  private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

}
