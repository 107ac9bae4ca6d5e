package org.mpsl4j.cli;

import io.grpc.Server;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.mpsl4j.cli.live.ConsoleEvents;
import org.mpsl4j.cli.live.LiveView;
import org.mpsl4j.data.ServerData;
import org.mpsl4j.engine.grpc.TcpTransport;
import org.mpsl4j.engine.mpsl.MpslServer;
import org.mpsl4j.engine.mpsl.ServerCheckpoint;
import org.mpsl4j.engine.mpsl.ServerConfig;
import org.mpsl4j.engine.sim.ServerSetup;
import org.mpsl4j.engine.sim.SimulationResult;
import org.mpsl4j.model.ModelConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mpsl4j server}: the MPSL server as its own process. It holds the one shared model and what
 * {@code --server-data} gives it (the inputs, the class names and optionally a test set of its own, written by
 * {@code mpsl4j server-data}); it never loads a dataset, so it reads no client's training data or labels, computes
 * no partition and writes no partition.json. A client's declared training-set size is bounded by
 * {@code --max-train-samples}. The messages still reveal labels and inputs unless the clients' defenses are on
 * (docs/PRIVACY.md).
 */
@Command(name = "server", mixinStandardHelpOptions = true,
    description = "Run the MPSL server over TCP: wait for --clients clients, train, evaluate after every epoch.")
final class ServerCommand implements Callable<Integer> {
  @Mixin ExperimentOptions x;

  @Option(names = "--server-data", description = "Folder written by `mpsl4j server-data`: the inputs, the class names"
      + " and optionally the server's own test set. The server reads nothing else of the data; --dataset, --data-dir,"
      + " --samples, --alpha and --partition are for the clients.")
  Path serverData;

  @Option(names = "--max-train-samples", defaultValue = "" + org.mpsl4j.engine.sim.ServerSetup.DEFAULT_MAX_TRAIN_SAMPLES,
      description = "Most training samples a client may declare (its size sets the epoch length for everyone); a"
          + " Hello over it is refused (default: ${DEFAULT-VALUE}).")
  int maxTrainSamples;

  @Option(names = "--host", defaultValue = "0.0.0.0", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", defaultValue = "50051", description = "Port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--token", defaultValue = "${env:MPSL4J_TOKEN}",
      description = "Token every client must present (default: $MPSL4J_TOKEN; none = no check).")
  String token;

  @Option(names = "--tokens-file", description = "Per-client tokens: lines 'clientId token' ('#' starts a comment);"
      + " replaces --token, and a client id not listed is refused.")
  Path tokensFile;

  @Option(names = "--tls-cert", description = "Server certificate (PEM): serve TLS. Needs --tls-key.")
  Path tlsCert;

  @Option(names = "--tls-key", description = "Private key of --tls-cert (PKCS#8 PEM).")
  Path tlsKey;

  @Option(names = "--tls-client-ca", description = "CA certificate (PEM): require mutual TLS; each client must present"
      + " a certificate signed by it whose subject CN is its client id.")
  Path tlsClientCa;

  @Option(names = "--max-sessions", description = "Most sessions open at once (default: --clients); more are refused.")
  Integer maxSessions;

  @Option(names = "--join-timeout-s", defaultValue = "600",
      description = "How long to wait for all clients to join (default: ${DEFAULT-VALUE}).")
  int joinTimeoutSeconds;

  @Option(names = "--min-clients", description = "Start at the join timeout if at least this many clients joined"
      + " (default: --clients, i.e. wait for all); the others may join later.")
  Integer minClients;

  @Option(names = "--out", description = "Results folder (default: results/server-<time>).")
  Path out;

  @Option(names = "--checkpoint-dir", description = "Write checkpoints here (server-<step>.safetensors, the newest two"
      + " kept) every --checkpoint-every training steps and at each epoch end.")
  Path checkpointDir;

  @Option(names = "--checkpoint-every", defaultValue = "50",
      description = "Training steps between checkpoints; 0: only at epoch ends (default: ${DEFAULT-VALUE}).")
  int checkpointEvery;

  @Option(names = "--resume", description = "Continue the run checkpointed in --checkpoint-dir from its newest usable"
      + " checkpoint (a fresh start if it holds none yet). Without it, a --checkpoint-dir that holds checkpoints is an"
      + " error, so that no run is overwritten by accident.")
  boolean resume;

  @Option(names = "--http-port", description = "Serve a live status page (/), Prometheus metrics (/metrics) and"
      + " /status.json on this port; 0 picks a free one (default: none).")
  Integer httpPort;

  @Option(names = "--http-host", defaultValue = "127.0.0.1", description = "Address of the status page (default:"
      + " ${DEFAULT-VALUE}, this machine only: the page names the clients).")
  String httpHost;

  @Override
  public Integer call() throws Exception {
    String sharedToken = token == null || token.isEmpty() ? null : token;
    Map<String, String> clientTokens;
    TcpTransport.ServerTls tls;
    try { // check the deployment options before the data is loaded
      x.validate();
      String unresumable = checkpointDir == null ? null : MpslServer.checkpointRefusal(x.tokenizerPolicy());
      if (unresumable != null) {
        throw new IllegalArgumentException(unresumable + " (--checkpoint-dir)");
      }
      clientTokens = tokensFile == null ? Map.of() : readTokens(tokensFile);
      tls = tls();
    } catch (IllegalArgumentException | IOException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    x.checkChoices();
    ServerData data;
    try {
      if (serverData == null) {
        throw new IllegalArgumentException("the server needs --server-data DIR (the inputs, classes and optional test"
            + " set; it reads no training data): write it with `mpsl4j server-data --dataset … --out DIR`");
      }
      if (maxTrainSamples < 1) {
        throw new IllegalArgumentException("--max-train-samples must be >= 1 but was " + maxTrainSamples);
      }
      data = ServerData.read(serverData);
    } catch (IllegalArgumentException | IOException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    if (!x.givenDataOptions().isEmpty()) {
      System.err.println("note: the server reads no dataset; " + String.join(", ", x.givenDataOptions())
          + " are for the clients (its data is --server-data " + serverData + ")");
    }
    ModelConfig model = x.model(data.inputs(), data.classes().size(), data.patches());
    ServerSetup setup = new ServerSetup(x.config(model, 1), data.testSet());
    System.out.printf("server data: %s, %d inputs, %d classes, %s%n", data.dataset(), data.inputs().size(),
        data.classes().size(), data.testSet() == null ? "no test set (no global test accuracy)"
            : data.testSet().size() + " test samples of its own");
    long start = System.nanoTime();
    ServerConfig config = setup.serverConfig(Duration.ofSeconds(joinTimeoutSeconds), sharedToken);
    try {
      if (!clientTokens.isEmpty()) {
        config = config.withTokens(clientTokens);
      }
      if (maxSessions != null) {
        config = config.withMaxSessions(maxSessions);
      }
      if (minClients != null) {
        config = config.withMinClients(minClients);
      }
      if (checkpointDir != null) {
        config = config.withCheckpoints(checkpointDir, checkpointEvery);
      } else if (resume) {
        throw new IllegalArgumentException("--resume needs --checkpoint-dir");
      }
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    String auth = (tlsClientCa != null ? "mutual TLS, " : tls != null ? "TLS, " : "plaintext, ")
        + (!config.tokens().isEmpty() ? config.tokens().size() + " client tokens"
            : sharedToken != null ? "shared token" : "no token check");
    if (tlsClientCa == null && config.tokens().isEmpty() && sharedToken == null) {
      System.err.println("warning: no client authentication (no --tls-client-ca, --tokens-file or --token):"
          + " anyone who reaches this port can join");
    }
    try (MpslServer server = new MpslServer(config, model, x.seed).acceptCodecs(setup.codecPolicy())
        .limitTrainSamples(maxTrainSamples).withTokenizerPolicy(x.tokenizerPolicy())
        .withServerChunk(x.serverChunk)) {
      x.configureServer(server);
      x.batches().configure(server, x.clients, x.clientBatch);
      try {
        String resumed = resumeIfAsked(server);
        if (resumed != null) {
          System.out.println(resumed);
        }
      } catch (IllegalArgumentException | IOException e) {
        System.err.println("error: " + e.getMessage());
        return 2;
      }
      server.observe(new ConsoleEvents(System.err));
      LiveView live = httpPort == null ? null : LiveView.start(server, x.epochs, httpHost, httpPort);
      Server grpc = TcpTransport.serve(server, host, port, setup.maxMessageBytes(), tls);
      // Scripts and tests read this line to learn the port when --port 0 was given.
      System.out.printf("listening on %s:%d (model %s, messages up to %.1f MiB, %s); waiting for %d clients%n", host,
          grpc.getPort(), model.fingerprint(), setup.maxMessageBytes() / 1048576.0, auth, x.clients);
      System.out.flush();
      StepProgress bar = new StepProgress();
      server.onProgress(bar);
      List<SimulationResult.Epoch> epochs = new ArrayList<>();
      try {
        server.train(s -> {
          bar.endEpoch();
          SimulationResult.Epoch e = setup.epoch(server, s);
          epochs.add(e);
          RunReport.epochLine(System.out, e, x.epochs);
          if (live != null) {
            live.testAccuracy(e.epoch(), e.testAccuracy());
          }
        });
      } finally {
        bar.endEpoch();
        if (live != null) {
          live.close();
        }
        // Let the clients receive TrainingDone and close their streams before the transport goes.
        grpc.shutdown();
        if (!grpc.awaitTermination(10, TimeUnit.SECONDS)) {
          grpc.shutdownNow();
        }
      }
      if (server.stepsRedone() > 0) {
        System.out.printf("resumed after step %d: clients had applied %d more training steps, which were done again%n",
            server.resumedStep(), server.stepsRedone());
      }
      SimulationResult result = setup.result(server, epochs, (System.nanoTime() - start) / 1e9);
      RunReport.summary(System.out, result, x.clients);
      Path dir = RunReport.directory(out, "server");
      boolean headOnClients = !setup.holdsHead();
      if (server.holdsGlobalTokenizers()) {
        org.mpsl4j.engine.TrainedModel.save(server.globalTokenizers(), server.model(), dir, data.classes(),
            !headOnClients);
        System.out.println("wrote " + RunReport.write(result, dir) + " and the trained model ("
            + dir.resolve("server.safetensors") + ", " + dir.resolve("tokenizers.safetensors") + ")");
      } else {
        org.mpsl4j.engine.TrainedModel.saveServer(server.model(), dir, data.classes());
        System.out.println("wrote " + RunReport.write(result, dir) + " and the server part ("
            + dir.resolve("server.safetensors") + "); with --private-average the averaged tokenizers exist only on the"
            + " clients, so no tokenizers and no global test accuracy here");
      }
      if (headOnClients) {
        System.out.println("the model has no head: with --head client-fixed it stayed on the clients (`client"
            + " --head-out FILE` writes one; `evaluate`/`predict --head-file FILE` use it), so no global test accuracy"
            + " was measured here");
      }
      server.secureAggregationNotes().forEach(n -> System.out.println("secure aggregation: " + n));
      if (!server.rejections().isEmpty()) {
        System.out.println("errors sent to clients, by reason: " + server.rejections());
      }
    }
    return 0;
  }

  /** Loads the newest usable checkpoint when --resume asks for it; returns what to tell the operator, or null. */
  private String resumeIfAsked(MpslServer server) throws IOException {
    if (checkpointDir == null) {
      return null;
    }
    List<String> warnings = new ArrayList<>();
    ServerCheckpoint checkpoint = ServerCheckpoint.latest(checkpointDir, warnings);
    warnings.forEach(w -> System.err.println("warning: skipped " + w));
    if (checkpoint == null) {
      return resume ? "no checkpoint in " + checkpointDir + " yet: starting a new run" : null;
    }
    if (!resume) {
      throw new IllegalArgumentException(checkpointDir + " holds checkpoints of run " + checkpoint.runId()
          + " (newest " + checkpoint.file().getFileName() + "): add --resume to continue it, or use another"
          + " --checkpoint-dir");
    }
    server.resumeFrom(checkpoint);
    return String.format("resumed run %s from %s: global step %d, epoch %d, step %d of %d", checkpoint.runId(),
        checkpoint.file(), checkpoint.globalStep(), checkpoint.nextEpoch() + 1, checkpoint.nextStepInEpoch(),
        checkpoint.stepsPerEpoch());
  }

  private TcpTransport.ServerTls tls() {
    if (tlsCert == null && tlsKey == null) {
      if (tlsClientCa != null) {
        throw new IllegalArgumentException("--tls-client-ca needs --tls-cert and --tls-key (mutual TLS is TLS)");
      }
      return null;
    }
    if (tlsCert == null || tlsKey == null) {
      throw new IllegalArgumentException("--tls-cert and --tls-key go together");
    }
    return new TcpTransport.ServerTls(tlsCert, tlsKey, tlsClientCa);
  }

  /** Reads "clientId token" lines; blank lines and '#' comments are skipped. */
  static Map<String, String> readTokens(Path file) throws IOException {
    Map<String, String> tokens = new LinkedHashMap<>();
    List<String> lines = Files.readAllLines(file);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split("\\s+");
      if (parts.length != 2 || tokens.put(parts[0], parts[1]) != null) {
        throw new IllegalArgumentException(file + " line " + (i + 1) + ": expected 'clientId token' with each client"
            + " id once");
      }
    }
    if (tokens.isEmpty()) {
      throw new IllegalArgumentException(file + " lists no client tokens");
    }
    return tokens;
  }
}
