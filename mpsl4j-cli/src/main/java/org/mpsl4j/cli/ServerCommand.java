package org.mpsl4j.cli;

import io.grpc.Server;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.mpsl4j.data.DataUnavailableException;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.engine.grpc.TcpTransport;
import org.mpsl4j.engine.mpsl.MpslServer;
import org.mpsl4j.engine.sim.MpslSetup;
import org.mpsl4j.engine.sim.SimulationResult;
import org.mpsl4j.model.ModelConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mpsl4j server}: the MPSL server as its own process. It holds the one shared model and the
 * test split (for the global evaluation), never the training labels; clients connect over TCP.
 */
@Command(name = "server", mixinStandardHelpOptions = true,
    description = "Run the MPSL server over TCP: wait for --clients clients, train, evaluate after every epoch.")
final class ServerCommand implements Callable<Integer> {
  @Mixin ExperimentOptions x;

  @Option(names = "--host", defaultValue = "0.0.0.0", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", defaultValue = "50051", description = "Port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--token", defaultValue = "${env:MPSL4J_TOKEN}",
      description = "Token every client must present (default: $MPSL4J_TOKEN; none = no check).")
  String token;

  @Option(names = "--join-timeout-s", defaultValue = "600",
      description = "How long to wait for all clients to join (default: ${DEFAULT-VALUE}).")
  int joinTimeoutSeconds;

  @Option(names = "--out", description = "Results folder (default: results/server-<time>).")
  Path out;

  @Override
  public Integer call() throws Exception {
    DatasetSplit split;
    try {
      split = x.load();
    } catch (DataUnavailableException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    ModelConfig model = x.model(split);
    MpslSetup setup = new MpslSetup(x.config(model, 1), split, x.partition(split));
    long start = System.nanoTime();
    String sharedToken = token == null || token.isEmpty() ? null : token;
    try (MpslServer server = new MpslServer(setup.serverConfig(Duration.ofSeconds(joinTimeoutSeconds), sharedToken),
        model, x.seed)) {
      Server grpc = TcpTransport.serve(server, host, port, setup.maxMessageBytes());
      // Scripts and tests read this line to learn the port when --port 0 was given.
      System.out.printf("listening on %s:%d (model %s, messages up to %.1f MiB, %s); waiting for %d clients%n", host,
          grpc.getPort(), model.fingerprint(), setup.maxMessageBytes() / 1048576.0,
          sharedToken == null ? "no token check" : "token required", x.clients);
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
        });
      } finally {
        bar.endEpoch();
        // Let the clients receive TrainingDone and close their streams before the transport goes.
        grpc.shutdown();
        if (!grpc.awaitTermination(10, TimeUnit.SECONDS)) {
          grpc.shutdownNow();
        }
      }
      SimulationResult result = setup.result(server, epochs, (System.nanoTime() - start) / 1e9);
      RunReport.summary(System.out, result, x.clients);
      System.out.println("wrote " + RunReport.write(result, out, "server", setup.partition(), split));
    }
    return 0;
  }
}
