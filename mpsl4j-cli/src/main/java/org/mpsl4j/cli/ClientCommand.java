package org.mpsl4j.cli;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
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

  @Option(names = "--tls-ca", description = "CA certificate (PEM) that signed the server's certificate: connect with TLS.")
  Path tlsCa;

  @Option(names = "--tls-cert", description = "This client's certificate (PEM) for mutual TLS; its CN must be the"
      + " client id (client-<index>). Needs --tls-key and --tls-ca.")
  Path tlsCert;

  @Option(names = "--tls-key", description = "Private key of --tls-cert (PKCS#8 PEM).")
  Path tlsKey;

  @Option(names = "--connect-timeout-s", defaultValue = "600",
      description = "How long to wait for the server to accept connections (default: ${DEFAULT-VALUE}).")
  int connectTimeoutSeconds;

  @Option(names = "--reconnects", defaultValue = "5",
      description = "How often to reconnect after a broken connection, with backoff 1, 2, 4 .. 30 s (default: ${DEFAULT-VALUE}).")
  int reconnects;

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
    TcpTransport.ClientTls tls;
    try {
      if (tlsCa == null && (tlsCert != null || tlsKey != null)) {
        throw new IllegalArgumentException("--tls-cert and --tls-key need --tls-ca (the CA of the server's certificate)");
      }
      tls = tlsCa == null ? null : new TcpTransport.ClientTls(tlsCa, tlsCert, tlsKey);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    DatasetSplit split = x.load();
    ModelConfig model = x.model(split);
    MpslSetup setup = new MpslSetup(x.config(model, 1), split, x.partition(split));
    ManagedChannel channel = TcpTransport.connect(host, port, setup.maxMessageBytes(), tls);
    try (MpslClient client = setup.client(index, token)) {
      System.out.printf("%s: %d training samples, model %s, connecting to %s (%s)%n", client.clientId(),
          setup.partition().client(index).length, model.fingerprint(), server,
          tls == null ? "plaintext" : tls.certificate() != null ? "mutual TLS" : "TLS");
      long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(timeoutMinutes);
      long up = 0;
      long down = 0;
      Status status;
      for (int attempt = 0; ; attempt++) {
        try {
          TcpTransport.awaitReady(channel, Duration.ofSeconds(connectTimeoutSeconds));
        } catch (IOException e) {
          System.err.printf("%s: %s%n", client.clientId(), e.getMessage());
          return 1;
        }
        ClientRunner runner = new ClientRunner(client, channel);
        try {
          status = runner.start().get(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          runner.abort();
          System.err.printf("%s: training did not finish within %d minutes%n", client.clientId(), timeoutMinutes);
          return 1;
        } finally {
          up += runner.bytesUp();
          down += runner.bytesDown();
        }
        // A stream the server ended (OK) was finished or refused; a broken one (not OK) is retried:
        // the same process comes back with its tokenizers, optimizer and data order, as a new session.
        if (client.done() || status.isOk() || attempt >= reconnects) {
          break;
        }
        long wait = Math.min(30, 1L << attempt);
        System.err.printf("%s: connection lost (%s%s); reconnecting in %d s (%d of %d)%n", client.clientId(),
            status.getCode(), status.getDescription() == null ? "" : ": " + status.getDescription(), wait, attempt + 1,
            reconnects);
        Thread.sleep(TimeUnit.SECONDS.toMillis(wait));
      }
      if (!client.done()) {
        System.err.printf("%s: training did not finish: %s%n", client.clientId(), status.isOk() && client.lastError() != null
            ? "the server said " + client.lastError()
            : "the stream ended with " + status.getCode() + (status.getDescription() == null ? "" : " " + status.getDescription()));
        return 1;
      }
      System.out.printf("%s: training done; %,d bytes up, %,d bytes down; personalized accuracy %.2f%%%n",
          client.clientId(), up, down, 100 * client.lastPersonalizedAccuracy());
      return 0;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
