package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.nn.RowDeltaTable;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.train.Adam;

/**
 * A client's own state between two steps: its tokenizers ({@code tokenizers.*}), its Adam moments
 * and step count, the run it belongs to and the last global step whose cut gradient it applied. The
 * data position needs no file of its own: a client's batches are named by the server's (epoch,
 * step-in-epoch) over a seeded order of its share, and the share is checked by a digest of its
 * sample indices. Files are {@code client-<step>.safetensors} in the client's own directory, written
 * atomically at the same boundaries as the server's ({@link StepClock}); the newest {@value #KEEP}
 * are kept, so that a client that ran up to K steps ahead of the server's last checkpoint still
 * holds one of that step or before.
 *
 * @param loaded the verified file
 * @param step the boundary it was written at
 * @param lastApplied the last global step whose update it holds (at most {@code step})
 * @param adamSteps the optimizer's step count
 */
record ClientCheckpoint(CheckpointFiles.Loaded loaded, long step, long lastApplied, long adamSteps) {
  static final int KEEP = 2;
  static final String PREFIX = "client";
  private static final String FORMAT = "mpsl4j-client-checkpoint/1";
  /** Row tables over the shared initial model are stored as their rows: rows, values and both moments. */
  private static final String TABLES = "tables.";

  static Path write(Path dir, ClientConfig config, ModelConfig modelConfig, int[] share, ClientModel model,
      Adam optimizer, String runId, long step, long lastApplied) throws IOException {
    Map<String, NDArray> tensors = CheckpointFiles.tensors("tokenizers.", model.namedParameters(), optimizer);
    try (NDManager scope = NDManager.newBaseManager()) {
      model.namedTables().forEach((name, table) -> {
        RowDeltaTable.Delta d = table.delta(scope);
        tensors.put(TABLES + name + ".rows", d.rows());
        tensors.put(TABLES + name + ".values", d.values());
        tensors.put(TABLES + name + ".exp_avg", d.expAvg());
        tensors.put(TABLES + name + ".exp_avg_sq", d.expAvgSq());
      });
      return writeFile(dir, config, modelConfig, share, optimizer, runId, step, lastApplied, tensors);
    }
  }

  private static Path writeFile(Path dir, ClientConfig config, ModelConfig modelConfig, int[] share, Adam optimizer,
      String runId, long step, long lastApplied, Map<String, NDArray> tensors) throws IOException {
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", FORMAT);
    meta.put("client", config.clientId());
    meta.put("fingerprint", modelConfig.fingerprint());
    meta.put("share", shareDigest(share));
    meta.put("run", runId);
    meta.put("step", String.valueOf(step));
    meta.put("last-applied", String.valueOf(lastApplied));
    meta.put("adam-steps", String.valueOf(optimizer.steps()));
    return CheckpointFiles.write(dir, PREFIX, step, tensors, meta, KEEP);
  }

  /**
   * The newest checkpoint in {@code dir} of this client, model, share and run whose step is at most
   * {@code upTo}, or null. Files of another client, model, share or run, and damaged files, are
   * skipped and described in {@code skipped}.
   */
  static ClientCheckpoint newest(Path dir, ClientConfig config, ModelConfig modelConfig, int[] share, String runId,
      long upTo, List<String> skipped) throws IOException {
    for (Path f : CheckpointFiles.list(dir, PREFIX)) {
      if (CheckpointFiles.step(f) > upTo) {
        continue;
      }
      CheckpointFiles.Loaded l;
      try {
        l = CheckpointFiles.read(f);
      } catch (IOException e) {
        skipped.add(e.getMessage());
        continue;
      }
      Map<String, String> m = l.metadata();
      String mismatch = !FORMAT.equals(m.get("format")) ? "is not a client checkpoint"
          : !config.clientId().equals(m.get("client")) ? "belongs to client '" + m.get("client") + "'"
          : !modelConfig.fingerprint().equals(m.get("fingerprint")) ? "is of model " + m.get("fingerprint")
              + ", not " + modelConfig.fingerprint()
          : !shareDigest(share).equals(m.get("share")) ? "holds another share of the data"
          : !runId.equals(m.get("run")) ? null : "";
      if (mismatch == null) {
        continue; // an earlier run's checkpoint: not an error, just not this run's
      }
      if (!mismatch.isEmpty()) {
        skipped.add("checkpoint " + f + " " + mismatch);
        continue;
      }
      return new ClientCheckpoint(l, l.metaLong("step"), l.metaLong("last-applied"), l.metaLong("adam-steps"));
    }
    return null;
  }

  /** Loads the tokenizers and the optimizer state. */
  void restore(ClientModel model, Adam optimizer, NDManager manager) throws IOException {
    try (NDManager scope = manager.newSubManager()) {
      CheckpointFiles.restoreParameters(loaded, "tokenizers.", model.namedParameters(), scope);
      CheckpointFiles.restoreAdam(loaded, optimizer, adamSteps, scope);
      for (Map.Entry<String, RowDeltaTable> e : model.namedTables().entrySet()) {
        String at = TABLES + e.getKey();
        try {
          e.getValue().restore(new RowDeltaTable.Delta(array(at + ".rows", DataType.INT64, scope),
              array(at + ".values", DataType.FLOAT32, scope), array(at + ".exp_avg", DataType.FLOAT32, scope),
              array(at + ".exp_avg_sq", DataType.FLOAT32, scope)));
        } catch (IllegalArgumentException ex) {
          throw new IOException("checkpoint " + loaded.file() + ": " + at + ": " + ex.getMessage(), ex);
        }
      }
    }
  }

  /** A stored tensor of the given type, in {@code scope}. */
  private NDArray array(String name, DataType type, NDManager scope) throws IOException {
    org.mpsl4j.model.checkpoint.SafeTensors.Entry t = loaded.tensors().get(name);
    String want = type == DataType.INT64 ? "I64" : "F32";
    if (t == null || !t.dtype().equals(want)) {
      throw new IOException("checkpoint " + loaded.file() + " lacks the " + want + " tensor " + name
          + " (written without shared tables, or damaged)");
    }
    ByteBuffer data = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    return type == DataType.INT64 ? scope.create(data.asLongBuffer(), new Shape(t.shape()))
        : scope.create(data.asFloatBuffer(), new Shape(t.shape()), DataType.FLOAT32);
  }

  private static String shareDigest(int[] share) {
    try {
      ByteBuffer b = ByteBuffer.allocate(4 * share.length).order(ByteOrder.LITTLE_ENDIAN);
      b.asIntBuffer().put(share);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }
}
