package org.mpsl4j.cli;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.engine.grpc.ReconnectingClient;
import org.mpsl4j.engine.grpc.TcpTransport;
import org.mpsl4j.engine.mpsl.MpslClient;
import org.mpsl4j.engine.sim.MpslSetup;
import org.mpsl4j.model.ModelConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mpsl4j client}: one MPSL client as its own process. It holds share {@code --index} of the
 * training data (derived from the seed, index and client count), or with {@code --own-data} all of its own data, with
 * its labels, its tokenizers and its optimizer, and connects to the server over TCP. It waits for the server to come
 * up, so processes may start in any order.
 */
@Command(name = "client", mixinStandardHelpOptions = true,
    description = "Run one MPSL client over TCP on share --index of the partitioned training data, or on its own data"
        + " (--own-data).")
final class ClientCommand implements Callable<Integer> {
  @Mixin ExperimentOptions x;
  @Mixin PrivacyOptions privacy;

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

  @Option(names = "--reconnects", defaultValue = "8",
      description = "Failed reconnects in a row before giving up after a broken connection (default: ${DEFAULT-VALUE});"
          + " an attempt the server welcomed resets the count.")
  int reconnects;

  @Option(names = "--backoff-ms", defaultValue = "1000",
      description = "First delay before reconnecting; it doubles per failed attempt up to --backoff-max-s, with"
          + " jitter (default: ${DEFAULT-VALUE}).")
  long backoffMillis;

  @Option(names = "--backoff-max-s", defaultValue = "30", description = "Longest delay between reconnects (default:"
      + " ${DEFAULT-VALUE}).")
  long backoffMaxSeconds;

  @Option(names = "--checkpoint-dir", description = "This client's own checkpoint folder (one per client): its"
      + " tokenizers, optimizer and last applied step at the server's checkpoint steps; a restarted client resumes"
      + " from it.")
  Path checkpointDir;

  @Option(names = "--own-data", description = "Train on the whole training split of --dataset (this device's own"
      + " data, e.g. its own manifest) instead of share --index of a seeded partition; --index then only names the"
      + " client (client-<index>).")
  boolean ownData;

  @Option(names = "--head-out", description = "With the head on the clients: write this client's head here at the"
      + " end (safetensors), for `evaluate`/`predict --head-file` of a model a deployed server saved without it.")
  Path headOut;

  @Option(names = "--timeout-min", defaultValue = "600",
      description = "Give up when training has not finished after this many minutes (default: ${DEFAULT-VALUE}).")
  int timeoutMinutes;

  @Override
  public Integer call() throws Exception {
    ServerAddress address;
    try {
      address = ServerAddress.parse(server);
      x.validate();
      if (ownData) {
        org.mpsl4j.engine.sim.MpslSetup.checkOwnDataBatches(x.batches()); // before any data loads
      }
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    String host = address.host();
    int port = address.port();
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
    org.mpsl4j.engine.sim.SimulationConfig config = x.config(model, 1);
    MpslSetup setup = ownData ? null : new MpslSetup(config, split, x.partition(split));
    MpslClient built;
    try {
      built = ownData ? MpslSetup.ownDataClient(config, split, index, token) : setup.client(index, token);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    int maxMessageBytes = ownData
        ? org.mpsl4j.engine.mpsl.MessageLimits.maxMessageBytes(model, built.hello().getHello().getBatchSize())
        : setup.maxMessageBytes();
    ManagedChannel channel = TcpTransport.connect(host, port, maxMessageBytes, tls);
    try (MpslClient client = built) {
      PrivacyOptions.apply(privacy.settings(), client, split.train().numClasses());
      if (checkpointDir != null) {
        client.withCheckpoints(checkpointDir);
      }
      if (x.aggregation.secureAggregation) {
        client.requireSecureAggregation();
      }
      if (x.aggregation.privateAverage) {
        try {
          client.requirePrivateAverage();
        } catch (IllegalStateException e) {
          System.err.println("error: " + e.getMessage());
          return 2;
        }
      }
      System.out.printf("%s: %d training samples, model %s, connecting to %s (%s)%n", client.clientId(),
          client.hello().getHello().getTrainSamples(), model.fingerprint(), server,
          tls == null ? "plaintext" : tls.certificate() != null ? "mutual TLS" : "TLS");
      ReconnectingClient.Backoff backoff = new ReconnectingClient.Backoff(Duration.ofMillis(backoffMillis),
          Duration.ofSeconds(Math.max(1, backoffMaxSeconds)).plusMillis(backoffMillis), reconnects);
      ReconnectingClient.Result r = new ReconnectingClient(client, channel, backoff,
          ch -> TcpTransport.awaitReady(ch, Duration.ofSeconds(connectTimeoutSeconds)),
          line -> System.err.println(line)).run(Duration.ofMinutes(timeoutMinutes));
      client.notes().forEach(n -> System.out.println(client.clientId() + ": " + n));
      if (r.connectError() != null) {
        System.err.printf("%s: %s%n", client.clientId(), r.connectError());
        return 1;
      }
      if (!r.done()) {
        Status status = r.lastStatus();
        System.err.printf("%s: training did not finish: %s%n", client.clientId(), status.isOk() && client.lastError() != null
            ? "the server said " + client.lastError()
            : "the stream ended with " + status.getCode() + (status.getDescription() == null ? "" : " " + status.getDescription()));
        return 1;
      }
      if (headOut != null) {
        org.mpsl4j.engine.TrainedModel.saveHead(client.model(), headOut, split.train().classNames());
        System.out.println(client.clientId() + ": wrote its head to " + headOut);
      }
      System.out.printf("%s: training done; %,d bytes up, %,d bytes down; %d reconnects; personalized accuracy %.2f%%%n",
          client.clientId(), r.bytesUp(), r.bytesDown(), r.reconnects(), 100 * client.lastPersonalizedAccuracy());
      return 0;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
