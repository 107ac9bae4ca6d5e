package org.mpsl4j.engine.sim;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.data.partition.Partitioner;
import org.mpsl4j.engine.Evaluation;
import org.mpsl4j.engine.grpc.ClientRunner;
import org.mpsl4j.engine.grpc.SplitLearningService;
import org.mpsl4j.engine.mpsl.ClientConfig;
import org.mpsl4j.engine.mpsl.EpochStats;
import org.mpsl4j.engine.mpsl.MpslClient;
import org.mpsl4j.engine.mpsl.MpslServer;
import org.mpsl4j.engine.mpsl.ServerConfig;
import org.mpsl4j.model.macs.MacCounter;
import org.mpsl4j.model.macs.MacReport;

/**
 * Runs MPSL with N in-process clients: partitions the training data, starts the server behind the
 * gRPC in-process transport, connects one stream per client, trains, and evaluates the global model
 * (server model + FedAvg'd tokenizers) on the test split after every epoch.
 */
public final class Simulation {
  private final SimulationConfig config;
  private final DatasetSplit data;

  public Simulation(SimulationConfig config, DatasetSplit data) {
    this.config = config;
    this.data = data;
  }

  public Partition partition() {
    return partition(data.train(), config.clients(), config.alpha(), config.minPerClient(), config.seed());
  }

  /**
   * The seeded client partition of a training set: IID for alpha ≥ 1e4, else Dirichlet(alpha) per
   * class with at least {@code minPerClient} samples each. Deterministic, so a server and separate
   * client processes compute the same one.
   */
  public static Partition partition(org.mpsl4j.data.LabeledDataset train, int clients, double alpha, int minPerClient,
      long seed) {
    int[] labels = train.labels();
    return alpha >= 1e4
        ? Partitioner.iid(labels.length, clients, seed)
        : Partitioner.dirichlet(labels, train.numClasses(), clients, alpha, minPerClient, seed);
  }

  private MpslServer.ProgressListener progress = (epoch, step, steps) -> {};

  /** Runs the whole schedule; {@code onEpoch} sees each epoch's figures as they come. */
  public SimulationResult run(Consumer<SimulationResult.Epoch> onEpoch) throws IOException, InterruptedException {
    return run(partition(), onEpoch, s -> {});
  }

  /** Called after every training step (progress bars). */
  public Simulation onProgress(MpslServer.ProgressListener listener) {
    this.progress = listener;
    return this;
  }

  private static int[] cap(int[] share) {
    return share.length <= 4096 ? share : java.util.Arrays.copyOf(share, 4096);
  }

  /**
   * @param onServer called with the server once it exists (tests inspect it)
   */
  public SimulationResult run(Partition partition, Consumer<SimulationResult.Epoch> onEpoch,
      Consumer<MpslServer> onServer) throws IOException, InterruptedException {
    long start = System.nanoTime();
    ServerConfig serverConfig = new ServerConfig(config.clients(), config.epochs(), config.learningRate(),
        config.stepLrSize(), 0.1f, Duration.ofMinutes(2), config.stepDeadline(), Map.of(), null,
        config.clientBatch());
    String name = "mpsl-sim-" + System.nanoTime();
    ExecutorService serverPool = Executors.newFixedThreadPool(2);
    ExecutorService clientPool = Executors.newFixedThreadPool(config.threads());
    List<ClientRunner> runners = new ArrayList<>();
    List<CompletableFuture<Status>> streams = new ArrayList<>();
    List<ManagedChannel> channels = new ArrayList<>();
    Server grpc = null;
    try (MpslServer server = new MpslServer(serverConfig, config.model(), config.seed())) {
      onServer.accept(server);
      grpc = InProcessServerBuilder.forName(name).executor(serverPool)
          .addService(new SplitLearningService(server)).build().start();
      server.onProgress(progress);
      List<int[]> testShares = LocalTestShares.split(partition, data.train().labels(), data.test().labels(),
          data.train().numClasses(), config.seed() + 7);
      for (int i = 0; i < partition.numClients(); i++) {
        ClientConfig cc = new ClientConfig("client-" + i, "", config.clientBatch(), config.seed(), config.seed() + 1 + i);
        MpslClient client = new MpslClient(cc, config.model(), data.train(), partition.client(i), config.learningRate())
            .withLocalTestShare(data.test(), cap(testShares.get(i)));
        ManagedChannel ch = InProcessChannelBuilder.forName(name).executor(clientPool).build();
        channels.add(ch);
        ClientRunner runner = new ClientRunner(client, ch);
        runners.add(runner);
        streams.add(runner.start());
      }
      List<SimulationResult.Epoch> epochs = new ArrayList<>();
      server.train((EpochStats s) -> {
        double acc;
        try (ai.djl.ndarray.NDManager evalScope = ai.djl.ndarray.NDManager.newBaseManager()) {
          acc = Evaluation.accuracy(server.globalTokenizers(), server.model(), data.test(), 256, evalScope);
        }
        SimulationResult.Epoch e = new SimulationResult.Epoch(s.epoch() + 1, s.steps(), s.meanLoss(), s.trainAccuracy(),
            acc, s.personalizedAccuracy(), s.seconds(), s.steps() / s.seconds(), s.missedDeadlines());
        epochs.add(e);
        onEpoch.accept(e);
      });
      CompletableFuture.allOf(streams.toArray(new CompletableFuture<?>[0])).get(1, TimeUnit.MINUTES);
      MacReport macs = MacCounter.count(config.model());
      return new SimulationResult(epochs, server.bytesByClient(), macs.clientForward(), macs.clientTraining(),
          macs.wholeForward(), server.model().parameterCount(false), (System.nanoTime() - start) / 1e9);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("clients did not finish: " + e.getMessage(), e);
    } finally {
      for (ManagedChannel ch : channels) {
        ch.shutdownNow();
      }
      if (grpc != null) {
        grpc.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
      for (ClientRunner r : runners) {
        r.client().close();
      }
      clientPool.shutdownNow();
      serverPool.shutdownNow();
    }
  }
}
