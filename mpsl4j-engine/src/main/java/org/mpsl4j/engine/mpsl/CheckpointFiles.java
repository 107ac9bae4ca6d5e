package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.model.checkpoint.SafeTensors;
import org.mpsl4j.model.train.Adam;

/**
 * The files of a checkpoint directory: one safetensors file per checkpoint, named
 * {@code <prefix>-<12-digit step>.safetensors}, holding tensors and string metadata plus a SHA-256
 * of both, so that a file damaged after it was written is recognized.
 *
 * <p>A file is written beside its final name, forced to disk and renamed atomically over it
 * ({@link SafeTensors#write}); the directory is then forced too, so a crash leaves either the old
 * set of checkpoints or the new one, never a partial file under a checkpoint's name. Leftover
 * temporaries of an interrupted write end in {@code .tmp} and are ignored.
 */
final class CheckpointFiles {
  static final String DIGEST_KEY = "mpsl4j.sha256";
  private static final Pattern NAME = Pattern.compile("(.+)-(\\d{12})\\.safetensors");

  private CheckpointFiles() {}

  /** A checkpoint file as read and verified: its tensors (mapped, little-endian) and metadata. */
  record Loaded(Path file, Map<String, SafeTensors.Entry> tensors, Map<String, String> metadata) {
    String meta(String key) throws IOException {
      String v = metadata.get(key);
      if (v == null) {
        throw new IOException("checkpoint " + file + " lacks metadata '" + key + "'");
      }
      return v;
    }

    long metaLong(String key) throws IOException {
      try {
        return Long.parseLong(meta(key));
      } catch (NumberFormatException e) {
        throw new IOException("checkpoint " + file + ": metadata '" + key + "' is not a number: " + metadata.get(key));
      }
    }
  }

  static Path file(Path dir, String prefix, long step) {
    return dir.resolve(String.format("%s-%012d.safetensors", prefix, step));
  }

  /**
   * Writes a checkpoint of {@code step} atomically and then deletes all but the newest {@code keep}
   * checkpoints of {@code prefix}.
   */
  static Path write(Path dir, String prefix, long step, Map<String, NDArray> tensors, Map<String, String> metadata,
      int keep) throws IOException {
    Files.createDirectories(dir);
    Map<String, SafeTensors.Entry> entries = new TreeMap<>();
    for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
      NDArray a = e.getValue();
      String dtype = a.getDataType() == ai.djl.ndarray.types.DataType.INT64 ? "I64" : "F32";
      entries.put(e.getKey(), new SafeTensors.Entry(dtype, a.getShape().getShape(),
          a.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN)));
    }
    Map<String, String> meta = new TreeMap<>(metadata);
    meta.put(DIGEST_KEY, digest(entries, meta));
    Path file = file(dir, prefix, step);
    SafeTensors.write(file, entries, meta);
    forceDirectory(dir);
    List<Path> all = list(dir, prefix);
    for (Path old : all.subList(Math.min(keep, all.size()), all.size())) {
      Files.deleteIfExists(old);
    }
    return file;
  }

  /** The checkpoints of {@code prefix} in {@code dir}, newest (highest step) first; none if the directory is absent. */
  static List<Path> list(Path dir, String prefix) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> {
        Matcher m = NAME.matcher(f.getFileName().toString());
        return m.matches() && m.group(1).equals(prefix);
      }).sorted(Comparator.comparingLong(CheckpointFiles::step).reversed()).toList();
    }
  }

  /** The step a checkpoint file's name gives. */
  static long step(Path file) {
    Matcher m = NAME.matcher(file.getFileName().toString());
    if (!m.matches()) {
      throw new IllegalArgumentException(file + " is not named <prefix>-<step>.safetensors");
    }
    return Long.parseLong(m.group(2));
  }

  /** Reads a checkpoint and checks its digest; any damage is an IOException that names the file. */
  static Loaded read(Path file) throws IOException {
    Map<String, SafeTensors.Entry> tensors;
    Map<String, String> meta;
    try {
      tensors = new TreeMap<>(SafeTensors.read(file));
      meta = new TreeMap<>(SafeTensors.metadata(file));
    } catch (IOException | RuntimeException e) {
      String msg = String.valueOf(e.getMessage());
      throw new IOException(msg.contains(file.toString()) ? msg : "checkpoint " + file + " is unreadable: " + msg, e);
    }
    String stored = meta.remove(DIGEST_KEY);
    if (stored == null) {
      throw new IOException("checkpoint " + file + " has no " + DIGEST_KEY + ": not an mpsl4j checkpoint");
    }
    for (SafeTensors.Entry t : tensors.values()) {
      if (!t.dtype().equals("F32") && !t.dtype().equals("I64")) {
        throw new IOException("checkpoint " + file + " holds a " + t.dtype() + " tensor; mpsl4j checkpoints are F32 "
            + "(and I64 row indices)");
      }
    }
    if (!stored.equals(digest(tensors, meta))) {
      throw new IOException("checkpoint " + file + " is corrupt: its contents do not match the SHA-256 written with it");
    }
    return new Loaded(file, tensors, meta);
  }

  /** SHA-256 over the sorted metadata and the sorted tensors' names, shapes and bytes. */
  private static String digest(Map<String, SafeTensors.Entry> tensors, Map<String, String> meta) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
    new TreeMap<>(meta).forEach((k, v) -> {
      if (!k.equals(DIGEST_KEY)) {
        sha.update((k + "=" + v + "\n").getBytes(StandardCharsets.UTF_8));
      }
    });
    new TreeMap<>(tensors).forEach((name, t) -> {
      sha.update((name + java.util.Arrays.toString(t.shape()) + "\n").getBytes(StandardCharsets.UTF_8));
      sha.update(t.data().duplicate());
    });
    return HexFormat.of().formatHex(sha.digest());
  }

  /** Makes a rename in {@code dir} durable; a file system that cannot force a directory is left as it is. */
  private static void forceDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException ignored) {
      // best effort: the file itself was forced before the rename
    }
  }

  /** The parameters and the Adam moments of one trained part, under {@code prefix}, {@code exp_avg.}, {@code exp_avg_sq.}. */
  static Map<String, NDArray> tensors(String prefix, Map<String, Parameter> parameters, Adam optimizer) {
    Map<String, NDArray> out = new TreeMap<>();
    parameters.forEach((k, p) -> out.put(prefix + k, p.array()));
    if (optimizer != null) {
      optimizer.state("exp_avg").forEach((k, v) -> out.put("exp_avg." + k, v));
      optimizer.state("exp_avg_sq").forEach((k, v) -> out.put("exp_avg_sq." + k, v));
    }
    return out;
  }

  /** Copies the tensors under {@code prefix} into {@code parameters}: exactly their names and shapes. */
  static void restoreParameters(Loaded loaded, String prefix, Map<String, Parameter> parameters, NDManager scope)
      throws IOException {
    Map<String, SafeTensors.Entry> stored = section(loaded, prefix);
    if (!stored.keySet().equals(parameters.keySet())) {
      java.util.Set<String> missing = new java.util.TreeSet<>(parameters.keySet());
      missing.removeAll(stored.keySet());
      java.util.Set<String> extra = new java.util.TreeSet<>(stored.keySet());
      extra.removeAll(parameters.keySet());
      throw new IOException("checkpoint " + loaded.file() + " does not fit the model: missing " + prefix + missing
          + ", unexpected " + extra);
    }
    for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
      SafeTensors.Entry t = stored.get(e.getKey());
      if (!java.util.Arrays.equals(t.shape(), e.getValue().shape().getShape())) {
        throw new IOException("checkpoint " + loaded.file() + ": " + prefix + e.getKey() + " has shape "
            + java.util.Arrays.toString(t.shape()) + " but the model needs " + e.getValue().shape());
      }
      e.getValue().copyFrom(array(t, scope));
    }
  }

  /** Restores {@code optimizer} from the {@code exp_avg.} and {@code exp_avg_sq.} tensors and its step count. */
  static void restoreAdam(Loaded loaded, Adam optimizer, long steps, NDManager scope) {
    restoreAdam(loaded, "", optimizer, steps, scope);
  }

  /** As above, from the tensors {@code prefix + "exp_avg."} and {@code prefix + "exp_avg_sq."} (a second optimizer). */
  static void restoreAdam(Loaded loaded, String prefix, Adam optimizer, long steps, NDManager scope) {
    Map<String, NDArray> m = new TreeMap<>();
    Map<String, NDArray> v = new TreeMap<>();
    section(loaded, prefix + "exp_avg.").forEach((k, t) -> m.put(k, array(t, scope)));
    section(loaded, prefix + "exp_avg_sq.").forEach((k, t) -> v.put(k, array(t, scope)));
    optimizer.restore(steps, m, v);
  }

  private static NDArray array(SafeTensors.Entry t, NDManager scope) {
    return scope.create(t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer(), new Shape(t.shape()),
        DataType.FLOAT32);
  }

  /** The tensors of {@code loaded} whose names start with {@code prefix}, without it. */
  static Map<String, SafeTensors.Entry> section(Loaded loaded, String prefix) {
    Map<String, SafeTensors.Entry> out = new TreeMap<>();
    loaded.tensors().forEach((k, v) -> {
      if (k.startsWith(prefix)) {
        out.put(k.substring(prefix.length()), v);
      }
    });
    return out;
  }
}
