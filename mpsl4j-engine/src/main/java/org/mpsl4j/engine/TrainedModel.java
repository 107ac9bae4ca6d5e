package org.mpsl4j.engine;

import org.mpsl4j.core.data.BatchTensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.ServerModel;
import org.mpsl4j.model.checkpoint.Checkpoints;
import org.mpsl4j.model.checkpoint.ModelLayout;
import org.mpsl4j.model.checkpoint.SafeTensors;

/**
 * A trained global model read back from the folder a run wrote ({@code server.safetensors}: encoder and head;
 * {@code tokenizers.safetensors}: the averaged client tokenizers), for inference. The settings that build it must be
 * those of the run: the stored fingerprint is checked, and a mismatch names both models. Owns its native memory;
 * close it. Not thread-safe.
 */
public final class TrainedModel implements AutoCloseable {
  public static final String SERVER_FILE = "server.safetensors";
  public static final String TOKENIZERS_FILE = "tokenizers.safetensors";

  private final NDManager manager;
  private final ClientModel client;
  private final ServerModel server;

  private TrainedModel(NDManager manager, ClientModel client, ServerModel server) {
    this.manager = manager;
    this.client = client;
    this.server = server;
  }

  /**
   * Writes a model into {@code dir} as {@value #SERVER_FILE} (encoder and head) and {@value #TOKENIZERS_FILE}
   * (the client tokenizers). Both carry the model's settings ({@code mpsl4j.model}), fingerprint and layout with the
   * class names ({@link ModelLayout#KEY}), which {@link #load}, {@code predict}, {@code evaluate} and
   * {@code python/mpsl4j_torch.py} read.
   */
  public static void save(ClientModel client, ServerModel server, Path dir, List<String> classNames)
      throws IOException {
    save(client, server, dir, classNames, true);
  }

  /**
   * As above; without {@code withClientHead} a client-side head is left out of {@value #TOKENIZERS_FILE} (a deployed
   * server's model with {@code --head client-fixed}: the head stayed on the clients, and {@link #load} then needs a
   * client's head file, {@link #saveHead}).
   */
  public static void save(ClientModel client, ServerModel server, Path dir, List<String> classNames,
      boolean withClientHead) throws IOException {
    Files.createDirectories(dir);
    Map<String, String> meta = metadata(server.config(), classNames);
    Checkpoints.save(server, dir.resolve(SERVER_FILE), meta);
    Map<String, org.mpsl4j.model.Parameter> params = new java.util.LinkedHashMap<>(client.namedParameters());
    if (!withClientHead) {
      params.keySet().removeIf(name -> name.startsWith(HEAD_PREFIX));
    }
    Checkpoints.save(params, dir.resolve(TOKENIZERS_FILE), meta);
  }

  /**
   * Writes only {@value #SERVER_FILE}: a server that holds no global tokenizers ({@code --private-average}, where
   * only the clients can decode the average) has no {@value #TOKENIZERS_FILE} to write.
   */
  public static void saveServer(ServerModel server, Path dir, List<String> classNames) throws IOException {
    Files.createDirectories(dir);
    Checkpoints.save(server, dir.resolve(SERVER_FILE), metadata(server.config(), classNames));
  }

  /** Writes a client's own head ({@code client --head-out}) for {@link #load} of a model saved without it. */
  public static void saveHead(ClientModel client, Path file, List<String> classNames) throws IOException {
    if (client.head() == null) {
      throw new IllegalArgumentException("this model has no client-side head (--head server)");
    }
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Checkpoints.save(client.head(), file, metadata(client.config(), classNames));
  }

  private static Map<String, String> metadata(ModelConfig config, List<String> classNames) {
    return Map.of("mpsl4j.model", config.toString(), "mpsl4j.fingerprint", config.fingerprint(),
        ModelLayout.KEY, ModelLayout.json(config, classNames));
  }

  private static final String HEAD_PREFIX = "head.";

  /**
   * Checks that {@code dir} holds a trained model's files, so that a command can refuse a wrong folder before it
   * spends time loading data.
   *
   * @throws IOException naming the folder and the missing file
   */
  public static void requireFiles(Path dir) throws IOException {
    for (String name : new String[] {SERVER_FILE, TOKENIZERS_FILE}) {
      if (!Files.isRegularFile(dir.resolve(name))) {
        throw new IOException("no trained model in " + dir + ": " + name + " is missing (simulate and"
            + " server write both files into their results folder)");
      }
    }
  }

  /**
   * @throws IOException naming the folder when a file is missing, unreadable or made for another model
   */
  public static TrainedModel load(Path dir, ModelConfig config) throws IOException {
    return load(dir, config, null);
  }

  /**
   * As above; {@code headFile} (a client's {@code --head-out}) supplies a client-side head that the saved model lacks.
   *
   * @throws IOException also when the model has a client-side head that is neither saved with it nor given
   */
  public static TrainedModel load(Path dir, ModelConfig config, Path headFile) throws IOException {
    requireFiles(dir);
    Path serverFile = dir.resolve(SERVER_FILE);
    Path tokenizerFile = dir.resolve(TOKENIZERS_FILE);
    Map<String, String> meta = SafeTensors.metadata(serverFile);
    String stored = meta.get("mpsl4j.fingerprint");
    if (stored != null && !stored.equals(config.fingerprint())) {
      throw new IOException("the model in " + dir + " was trained with other settings: it is "
          + meta.getOrDefault("mpsl4j.model", "fingerprint " + stored) + ", but these options build " + config
          + "; give the dataset and model options of its training run (--dataset, --samples, --encoder, --width,"
          + " --depth, --patch, ...)");
    }
    NDManager manager = NDManager.newBaseManager();
    try {
      Random rng = new Random(0); // every value is replaced by the checkpoint
      ServerModel server = new ServerModel(manager, config, rng);
      ClientModel client = new ClientModel(manager, config, rng);
      Checkpoints.load(server, serverFile, true);
      boolean headSaved = SafeTensors.read(tokenizerFile).keySet().stream().anyMatch(n -> n.startsWith(HEAD_PREFIX));
      if (client.head() == null || headSaved) {
        Checkpoints.load(client, tokenizerFile, true);
      } else {
        if (headFile == null) {
          throw new IOException("the model in " + dir + " has no head: it was trained with the head on the clients"
              + " (--head client-fixed), which never left them; give one client's head with --head-file (written by"
              + " `client --head-out`)");
        }
        Map<String, org.mpsl4j.model.Parameter> tokenizers = new java.util.LinkedHashMap<>(client.namedParameters());
        tokenizers.keySet().removeIf(name -> name.startsWith(HEAD_PREFIX));
        Checkpoints.load(tokenizers, tokenizerFile, true);
        Checkpoints.load(client.head(), headFile, true);
      }
      return new TrainedModel(manager, client, server);
    } catch (IOException | RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /**
   * The logits of every sample of {@code data}, row-major (samples × classes), {@code batchSize} samples per
   * forward pass, without recording gradients.
   */
  public float[] logits(LabeledDataset data, int batchSize) {
    return outputs(data, batchSize, false);
  }

  /** As {@link #logits}, through a softmax: each row holds the class probabilities. */
  public float[] probabilities(LabeledDataset data, int batchSize) {
    return outputs(data, batchSize, true);
  }

  private float[] outputs(LabeledDataset data, int batchSize, boolean softmax) {
    int classes = server.config().head().outputs();
    float[] out = new float[data.size() * classes];
    try (Autograd.NoGrad ignored = Autograd.noGrad()) {
      for (int start = 0; start < data.size(); start += batchSize) {
        int n = Math.min(batchSize, data.size() - start);
        int[] idx = java.util.stream.IntStream.range(start, start + n).toArray();
        try (NDManager step = manager.newSubManager()) {
          BatchTensors b = BatchTensors.of(data.batch(idx), step);
          // With the head on the clients the server part ends at the representation: the client's head finishes.
          NDArray logits = client.outputs(server.forward(client.forward(b.inputs(), b.masks()), false));
          NDArray rows = softmax ? logits.softmax(-1) : logits;
          System.arraycopy(rows.toFloatArray(), 0, out, start * classes, n * classes);
        }
      }
    }
    return out;
  }

  /** Number of outputs (classes) per sample. */
  public int classes() {
    return server.config().head().outputs();
  }

  @Override
  public void close() {
    manager.close();
  }
}
