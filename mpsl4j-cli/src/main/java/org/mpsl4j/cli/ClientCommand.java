package org.mpsl4j.cli;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.mpsl4j.data.DataUnavailableException;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.engine.grpc.ClientRunner;
import org.mpsl4j.engine.grpc.TcpTransport;
import org.mpsl4j.engine.mpsl.MpslClient;
import org.mpsl4j.engine.sim.MpslSetup;
import org.mpsl4j.model.ModelConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mpsl4j client}: one MPSL client as its own process. It holds share {@code --index} of the
 * training data with its labels, its tokenizers and its optimizer, and connects to the server over
 * TCP. It waits for the server to come up, so processes may start in any order.
 */
@Command(name = "client", mixinStandardHelpOptions = true,
    description = "Run one MPSL client over TCP on share --index of the partitioned training data.")
final class ClientCommand implements Callable<Integer> {
  @Mixin ExperimentOptions x;

  @Option(names = "--server", defaultValue = "localhost:50051", description = "host:port (default: ${DEFAULT-VALUE}).")
  String server;

  @Option(names = "--index", required = true, description = "Which client share of the partition this process holds.")
  int index;

  @Option(names = "--token", defaultValue = "${env:MPSL4J_TOKEN}", description = "Credential (default: $MPSL4J_TOKEN).")
  String token;

  @Option(names = "--timeout-min", defaultValue = "600",
      description = "Give up when training has not finished after this many minutes (default: ${DEFAULT-VALUE}).")
  int timeoutMinutes;

  @Override
  public Integer call() throws Exception {
    int colon = server.lastIndexOf(':');
    if (colon <= 0) {
      System.err.println("error: --server must be host:port but was '" + server + "'");
      return 2;
    }
    String host = server.substring(0, colon);
    int port = Integer.parseInt(server.substring(colon + 1));
    DatasetSplit split;
    try {
      split = x.load();
    } catch (DataUnavailableException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    ModelConfig model = x.model(split);
    MpslSetup setup = new MpslSetup(x.config(model, 1), split, x.partition(split));
    ManagedChannel channel = TcpTransport.connect(host, port, setup.maxMessageBytes());
    try (MpslClient client = setup.client(index, token)) {
      System.out.printf("%s: %d training samples, model %s, connecting to %s%n", client.clientId(),
          setup.partition().client(index).length, model.fingerprint(), server);
      ClientRunner runner = new ClientRunner(client, channel);
      Status status = runner.start().get(timeoutMinutes, TimeUnit.MINUTES);
      if (!client.done()) {
        System.err.printf("%s: training did not finish: %s%n", client.clientId(), client.lastError() != null
            ? "the server said " + client.lastError()
            : "the stream ended with " + status.getCode() + (status.getDescription() == null ? "" : " " + status.getDescription()));
        return 1;
      }
      System.out.printf("%s: training done; %,d bytes up, %,d bytes down; personalized accuracy %.2f%%%n",
          client.clientId(), runner.bytesUp(), runner.bytesDown(), 100 * client.lastPersonalizedAccuracy());
      return 0;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
