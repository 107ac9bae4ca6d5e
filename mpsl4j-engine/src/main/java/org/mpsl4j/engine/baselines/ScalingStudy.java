package org.mpsl4j.engine.baselines;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.engine.ModelFactory;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.Fusion;
import org.mpsl4j.model.ModelConfig;

/**
 * The communication-scaling study (README.md, "Communication as the model grows": MPSL's traffic
 * does not grow with encoder depth): runs each method for one epoch (= one round) on a few samples per client for a series of
 * encoder shapes, and reports the bytes per client that really crossed the transport, counted from
 * serialized messages exactly as {@code compare} counts them ({@link MethodRunner}: MPSL through the
 * embedded simulation, FedAvg through {@link RoundLoop} over in-process gRPC). Nothing is computed
 * from a formula: if a method's traffic grew with depth, the rows would show it.
 *
 * <p>Every block of the encoder is trained (FedAvg then sends the whole model), so the trainable
 * parameter count of each row is what FedAvg's uploads carry. A shape that appears in both sweeps
 * (e.g. depth 4 at width 192) is run once and reported in both.
 */
public final class ScalingStudy {
  private ScalingStudy() {}

  /**
   * One encoder shape.
   *
   * @param sweep which series it belongs to ({@code depth} or {@code width})
   */
  public record Config(String sweep, int depth, int width, int heads) {
    public Config {
      Objects.requireNonNull(sweep, "sweep");
    }
  }

  /**
   * The run's fixed settings.
   *
   * @param clients clients (each gets {@code samplesPerClient} consecutive training samples)
   * @param samplesPerClient training samples per client
   * @param clientBatch each client's mini-batch
   * @param patch preferred patch size of the image tokenizers
   */
  public record Settings(int clients, int samplesPerClient, int clientBatch, float learningRate, long seed, int patch,
      Duration deadline, int threads) {
    public Settings {
      if (clients < 1 || samplesPerClient < 1 || clientBatch < 1) {
        throw new IllegalArgumentException("clients, samples per client and client batch must be >= 1 but were "
            + clients + ", " + samplesPerClient + ", " + clientBatch);
      }
    }
  }

  /**
   * One measurement: a method on an encoder shape, one epoch.
   *
   * @param trainableParameters trainable scalars of the whole model (tokenizers + encoder + head):
   *     what one FedAvg update carries
   * @param clientParameters trainable scalars of the client part MPSL keeps on a client (tokenizers)
   * @param bytesUpPerClient mean over clients of serialized bytes client → server in the epoch
   * @param bytesDownPerClient mean over clients of serialized bytes server → client in the epoch
   * @param trainLoss the epoch's reported training loss
   * @param wallSeconds the method's whole run (set-up and evaluation included)
   * @param failure why the method's round trained nothing ({@link UntrainedRoundException}; its bytes and loss are
   *     then NaN, not the figures of a round that did not happen), or null for a measured row
   */
  public record Row(String sweep, int depth, int width, int heads, long trainableParameters, long clientParameters,
      Method method, double bytesUpPerClient, double bytesDownPerClient, double trainLoss, double wallSeconds,
      String failure) {
    public double bytesPerClient() {
      return bytesUpPerClient + bytesDownPerClient;
    }

    public boolean trained() {
      return failure == null;
    }
  }

  /** Depths at one width; heads = width / headDim (at least 1). */
  public static List<Config> depthSweep(int width, List<Integer> depths, int headDim) {
    return depths.stream().map(d -> new Config("depth", d, width, heads(width, headDim))).toList();
  }

  /** Widths at one depth; heads = width / headDim (at least 1). */
  public static List<Config> widthSweep(int depth, List<Integer> widths, int headDim) {
    return widths.stream().map(w -> new Config("width", depth, w, heads(w, headDim))).toList();
  }

  static int heads(int width, int headDim) {
    int h = Math.max(1, width / headDim);
    if (width % h != 0) {
      throw new IllegalArgumentException("width " + width + " is not a multiple of head dimension " + headDim);
    }
    return h;
  }

  /** Client {@code i} holds training samples {@code [i·n, (i+1)·n)}: equal shares, the same for every shape. */
  public static Partition evenPartition(int clients, int samplesPerClient, int available) {
    if ((long) clients * samplesPerClient > available) {
      throw new IllegalArgumentException(clients + " clients × " + samplesPerClient + " samples need "
          + (long) clients * samplesPerClient + " training samples but the split has " + available);
    }
    List<int[]> shares = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int[] idx = new int[samplesPerClient];
      for (int i = 0; i < samplesPerClient; i++) {
        idx[i] = c * samplesPerClient + i;
      }
      shares.add(idx);
    }
    return new Partition("even: " + clients + " × " + samplesPerClient + " consecutive samples", shares);
  }

  /** The model of one shape: pre-norm blocks with 4·d MLP, every block trained, early fusion. */
  public static ModelConfig model(DatasetSplit split, Config c, int patch) {
    return ModelFactory.forDataset(split.train(), EncoderConfig.small(c.width(), c.depth(), c.heads()), Fusion.EARLY,
        c.depth(), patch);
  }

  /**
   * Runs every method on every shape, one epoch each.
   *
   * @param onRow sees each row as it is measured (progress)
   */
  public static List<Row> run(DatasetSplit split, Settings s, List<Config> configs, List<Method> methods,
      Consumer<Row> onRow) throws IOException, InterruptedException {
    Partition partition = evenPartition(s.clients(), s.samplesPerClient(), split.train().size());
    Map<List<Object>, Row> done = new LinkedHashMap<>(); // shape + method → measured row
    List<Row> rows = new ArrayList<>();
    for (Config c : configs) {
      ModelConfig model = model(split, c, s.patch());
      long[] params = null;
      for (Method m : methods) {
        List<Object> key = List.of(c.depth(), c.width(), c.heads(), m);
        Row measured = done.get(key);
        if (measured == null) {
          if (params == null) {
            params = parameters(model, s.seed());
          }
          Experiment x = new Experiment(model, split, partition, s.clientBatch(), 1, s.learningRate(), 5, s.seed(),
              s.deadline(), s.threads());
          MethodResult r;
          try {
            r = MethodRunner.run(m, x, e -> {});
          } catch (UntrainedRoundException e) {
            // One method's untrained round is that row's result; the other methods and shapes are still measured.
            r = e.result();
          }
          boolean ok = r.trained();
          measured = new Row(c.sweep(), c.depth(), c.width(), c.heads(), params[0], params[1], m,
              ok ? r.meanBytesUpPerClientPerEpoch() : Double.NaN, ok ? r.meanBytesDownPerClientPerEpoch() : Double.NaN,
              !ok || r.epochs().isEmpty() ? Double.NaN : r.epochs().get(0).trainLoss(), r.wallSeconds(), r.failure());
          done.put(key, measured);
        }
        Row row = new Row(c.sweep(), measured.depth(), measured.width(), measured.heads(), measured.trainableParameters(),
            measured.clientParameters(), m, measured.bytesUpPerClient(), measured.bytesDownPerClient(),
            measured.trainLoss(), measured.wallSeconds(), measured.failure());
        rows.add(row);
        onRow.accept(row);
      }
    }
    return rows;
  }

  /** {whole model's trainable scalars, the client part's}, counted on a model built as every method builds it. */
  static long[] parameters(ModelConfig model, long seed) {
    try (NDManager manager = NDManager.newBaseManager()) {
      WholeModel whole = new WholeModel(manager, model, seed);
      long all = whole.trainable().values().stream().mapToLong(p -> p.shape().size()).sum();
      return new long[] {all, whole.client().parameterCount(true)};
    }
  }
}
