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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.engine.grpc.BundledClients;
import org.mpsl4j.engine.grpc.ClientRunner;
import org.mpsl4j.engine.grpc.SplitLearningService;
import org.mpsl4j.engine.mpsl.MpslClient;
import org.mpsl4j.engine.mpsl.MpslServer;

/**
 * Runs MPSL with N in-process clients: partitions the training data, starts the server behind the
 * gRPC in-process transport, connects one stream per client, trains, and evaluates the global model
 * (server model + FedAvg'd tokenizers) on the test split after every epoch. Server and clients are
 * built by {@link MpslSetup}, exactly as the separate {@code server} and {@code client} processes are.
 */
public final class Simulation {
  private final SimulationConfig config;
  private final DatasetSplit data;
  private MpslServer.ProgressListener progress = (epoch, step, steps) -> {};
  private java.nio.file.Path modelDir;
  private java.util.function.UnaryOperator<MpslClient> clientEdit = c -> c;
  private boolean clientsEdited;
  private boolean personalizedSkipped;
  private Consumer<GlobalModelDiagnosis> onDiagnosis;
  private Consumer<MpslServer> serverEdit = s -> {};
  private final List<io.grpc.ServerInterceptor> interceptors = new ArrayList<>();
  private boolean bundled;
  private boolean stacked;
  private org.mpsl4j.engine.mpsl.StackedClients stackedCompute;
  private String stackedRefusal;
  private long stackedLosses;

  public Simulation(SimulationConfig config, DatasetSplit data) {
    this.config = config;
    this.data = data;
  }

  public Partition partition() {
    return MpslSetup.partition(data.train(), config.clients(), config.alpha(), config.minPerClient(), config.seed());
  }

  /** See {@link MpslSetup#partition(org.mpsl4j.data.LabeledDataset, int, double, int, long)}. */
  public static Partition partition(org.mpsl4j.data.LabeledDataset train, int clients, double alpha, int minPerClient,
      long seed) {
    return MpslSetup.partition(train, clients, alpha, minPerClient, seed);
  }

  /** Called after every training step (progress bars). */
  public Simulation onProgress(MpslServer.ProgressListener listener) {
    this.progress = listener;
    return this;
  }

  /** Adjusts each client after {@link MpslSetup} built it and before it connects (e.g. an ablation). */
  public Simulation configureClients(java.util.function.UnaryOperator<MpslClient> edit) {
    this.clientEdit = edit;
    this.clientsEdited = true;
    return this;
  }

  /**
   * After training, measures why the global model differs from the personalized ones ({@link
   * GlobalModelDiagnosis}: every client's own tokenizers on the whole test split) and hands it over.
   */
  public Simulation diagnose(Consumer<GlobalModelDiagnosis> onDiagnosis) {
    this.onDiagnosis = onDiagnosis;
    return this;
  }

  /** Adjusts the server after it is built and before clients connect (e.g. a server-side loss). */
  public Simulation configureServer(Consumer<MpslServer> edit) {
    this.serverEdit = edit;
    return this;
  }

  /**
   * Puts {@code interceptor} on the server's side of every session (e.g. a tap that records what the server
   * receives and sends, for the privacy attacks).
   */
  public Simulation interceptWith(io.grpc.ServerInterceptor interceptor) {
    interceptors.add(interceptor);
    return this;
  }

  /**
   * Hosts all clients on one {@code Bundled} stream (one frame per phase for all of them, {@link BundledClients})
   * instead of one stream each. The server sees the same sessions; a tap set by {@link #interceptWith} sees the
   * frames, not single-client messages.
   */
  public Simulation bundleClients(boolean bundle) {
    this.bundled = bundle;
    return this;
  }

  /**
   * Bundled ({@link #bundleClients}), and the clients' tokenizers run as one stacked computation per phase where the
   * model allows it ({@link org.mpsl4j.engine.mpsl.StackedClients}); {@link #stackedRefusal} then says why not.
   */
  public Simulation stackClients(boolean stack) {
    this.stacked = stack;
    this.bundled |= stack;
    return this;
  }

  /**
   * After a run: whether its personalized figures are the global ones, not evaluated on the clients again (the clients
   * held the server's one tokenizer, and their test shares every test sample once).
   */
  public boolean personalizedSkipped() {
    return personalizedSkipped;
  }

  /** After a run with {@link #stackClients}: why its clients computed one by one, or null if they were stacked. */
  public String stackedRefusal() {
    return stackedRefusal;
  }

  /** After a run with {@link #stackClients}: how many Outputs its clients answered with one stacked loss per frame. */
  public long stackedLosses() {
    return stackedLosses;
  }

  /** Saves the trained global model into {@code dir} at the end (see {@link MpslSetup#saveModel}). */
  public Simulation saveModelTo(java.nio.file.Path dir) {
    this.modelDir = dir;
    return this;
  }

  /** Runs the whole schedule; {@code onEpoch} sees each epoch's figures as they come. */
  public SimulationResult run(Consumer<SimulationResult.Epoch> onEpoch) throws IOException, InterruptedException {
    return run(partition(), onEpoch, s -> {});
  }

  /**
   * @param onServer called with the server once it exists (tests inspect it)
   */
  public SimulationResult run(Partition partition, Consumer<SimulationResult.Epoch> onEpoch,
      Consumer<MpslServer> onServer) throws IOException, InterruptedException {
    long start = System.nanoTime();
    MpslSetup setup = new MpslSetup(config, data, partition);
    String name = "mpsl-sim-" + System.nanoTime();
    ExecutorService serverPool = Executors.newFixedThreadPool(2);
    ExecutorService clientPool = Executors.newFixedThreadPool(config.threads());
    List<MpslClient> clients = new ArrayList<>();
    List<CompletableFuture<Status>> streams = new ArrayList<>();
    List<ManagedChannel> channels = new ArrayList<>();
    Server grpc = null;
    try (MpslServer server = new MpslServer(setup.serverConfig(Duration.ofMinutes(2), null), config.model(),
        config.seed())) {
      server.acceptCodecs(setup.codecPolicy()).expectTrainSamples(setup.trainSamplesByClient())
          .withTokenizerPolicy(config.tokenizers()).withServerChunk(config.serverChunk());
      setup.configureBatches(server);
      serverEdit.accept(server);
      boolean personalizedIsGlobal = personalizedIsGlobal(setup, server);
      personalizedSkipped = personalizedIsGlobal;
      if (personalizedIsGlobal) {
        server.withoutPersonalizedEvaluation();
      }
      onServer.accept(server);
      grpc = InProcessServerBuilder.forName(name).executor(serverPool)
          .addService(io.grpc.ServerInterceptors.intercept(new SplitLearningService(server), interceptors))
          .build().start();
      server.onProgress(progress);
      for (int i = 0; i < partition.numClients(); i++) {
        clients.add(clientEdit.apply(setup.client(i, "")));
      }
      if (bundled) {
        ManagedChannel ch = InProcessChannelBuilder.forName(name).executor(clientPool).build();
        channels.add(ch);
        BundledClients bundle = new BundledClients(clients, ch, clientPool, config.threads());
        if (stacked) {
          stackedCompute = bundle.stacked().stackedCompute();
        }
        streams.addAll(bundle.start());
      } else {
        for (MpslClient c : clients) {
          ManagedChannel ch = InProcessChannelBuilder.forName(name).executor(clientPool).build();
          channels.add(ch);
          streams.add(new ClientRunner(c, ch).start());
        }
      }
      if (config.model().head().placement() == org.mpsl4j.model.HeadConfig.Placement.CLIENT_FIXED) {
        // A fixed client head never reaches the server; this process holds the clients too, so it gives the global
        // model (for its evaluation and the saved model) the clients' head. A deployed server's model has none.
        org.mpsl4j.model.head.TaskHead own = clients.get(0).model().head();
        server.globalTokenizers().head().namedParameters()
            .forEach((param, p) -> p.copyFrom(own.namedParameters().get(param).array()));
      }
      List<SimulationResult.Epoch> epochs = new ArrayList<>();
      server.train(s -> {
        if (!server.holdsGlobalTokenizers()) {
          loadClientsAverage(server, clients);
        }
        SimulationResult.Epoch e = setup.epoch(server, s, personalizedIsGlobal);
        epochs.add(e);
        onEpoch.accept(e);
      });
      CompletableFuture.allOf(streams.toArray(new CompletableFuture<?>[0])).get(1, TimeUnit.MINUTES);
      if (modelDir != null) {
        MpslSetup.saveModel(server, modelDir, data.train().classNames());
      }
      if (onDiagnosis != null) {
        onDiagnosis.accept(GlobalModelDiagnosis.measure(server.model(), server.globalTokenizers(),
            clients, partition, data.train(), data.test()));
      }
      return setup.result(server, epochs, (System.nanoTime() - start) / 1e9);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("clients did not finish: " + e.getMessage(), e);
    } finally {
      for (ManagedChannel ch : channels) {
        ch.shutdownNow();
      }
      if (grpc != null) {
        grpc.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
      clientPool.shutdownNow();
      if (stackedCompute != null) {
        clientPool.awaitTermination(10, TimeUnit.SECONDS); // no frame may still use the stack closed here
        stackedRefusal = stackedCompute.refusal();
        stackedLosses = stackedCompute.stackedLosses();
        stackedCompute.close();
        stackedCompute = null;
      }
      for (MpslClient c : clients) {
        c.close();
      }
      serverPool.shutdownNow();
      setup.close();
    }
  }

  /**
   * Whether a personalized evaluation would only repeat the global one: every client holds the server's one tokenizer
   * (FedSGD, not the private mode), the head is the server's, no client was adjusted (defenses, ablations), their
   * activations go up exactly (no lossy codec: the evaluation's would be coded too), and the
   * clients' test shares hold every test sample once. The server then skips it, which saves its traffic and time.
   */
  private boolean personalizedIsGlobal(MpslSetup setup, MpslServer server) {
    return config.tokenizers().sharedGradients() && server.holdsGlobalTokenizers() && !clientsEdited
        && config.model().head().placement() == org.mpsl4j.model.HeadConfig.Placement.SERVER
        && !config.codecUp().lossy() // a lossy uplink codec carries the clients' test activations too
        && setup.testSharesCoverTestSet();
  }

  /**
   * With a private average only the clients can decode the global tokenizers; this process holds the clients too, so
   * it gives the server's global model (for its evaluation and the saved model) the newest average a client decoded.
   * Every client decodes the same sum, and a client's EvalReport of this epoch end comes after its decoding on the
   * same stream, so the newest one is this epoch's wherever the round finished. A deployed server holds none.
   */
  private static void loadClientsAverage(MpslServer server, List<MpslClient> clients) {
    MpslClient.Average newest = null;
    for (MpslClient c : clients) {
      MpslClient.Average a = c.privateAverage();
      if (a != null && (newest == null || a.step() > newest.step())) {
        newest = a;
      }
    }
    if (newest == null) {
      return;
    }
    Map<String, float[]> values = newest.parameters();
    server.globalTokenizers().namedParameters().forEach((name, p) -> {
      float[] v = values.get(name);
      if (v != null) {
        try (ai.djl.ndarray.NDArray a = p.array().getManager().create(v, p.shape())) {
          p.copyFrom(a);
        }
      }
    });
  }
}
