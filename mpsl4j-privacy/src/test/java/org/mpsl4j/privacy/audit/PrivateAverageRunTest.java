package org.mpsl4j.privacy.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.engine.mpsl.MpslClient;
import org.mpsl4j.engine.mpsl.MpslServer;
import org.mpsl4j.engine.privacy.ClientPrivacy;
import org.mpsl4j.engine.privacy.PrivacySettings;
import org.mpsl4j.engine.sim.MpslSetup;
import org.mpsl4j.engine.sim.Simulation;
import org.mpsl4j.engine.sim.SimulationConfig;
import org.mpsl4j.privacy.capture.WireTap;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.ServerMessage;

/**
 * A private average in a real run: three clients with a common client seed train one epoch; at the epoch end client-2
 * sends its key and then its share is lost. The server runs secure aggregation as always, but the shares carry the
 * clients' group pads: from exactly what its transport handed over (the {@link WireTap}), the sum it can form
 * (survivors' shares unmasked with the revealed Shamir shares: {@link SecureSums}) decodes to nothing near the
 * average, and that sum is what it sends back. Each client, the dropout included, decodes it to the plain
 * sample-weighted average of the survivors within 1e-6.
 */
final class PrivateAverageRunTest {
  private static final String DROPPED = "client-2";
  private static final long CLIENT_SEED = 77;

  @Test
  @Timeout(300)
  void oneDropsAfterKeyExchange_clientsDecodeTheSurvivorsAverage_serverHoldsNothingDecodable() throws Exception {
    DatasetSplit split = SmallRuns.mnist(300);
    SimulationConfig base = SmallRuns.config(split, 1);
    SimulationConfig config = new SimulationConfig(base.model(), 3, 5, 1, 2e-3f, 5, 0.5, 10, 2024,
        Duration.ofSeconds(20), 2);
    Partition partition = MpslSetup.partition(split.train(), 3, 0.5, 10, 2024);
    int classes = split.train().numClasses();
    List<MpslClient> clients = new CopyOnWriteArrayList<>();
    Map<String, float[]> clientWeights = new ConcurrentHashMap<>();
    WireTap tap = new WireTap();
    MpslServer[] server = new MpslServer[1];
    float[][] evaluated = new float[1][];

    new Simulation(config, split).configureServer(s -> s.withSecAggThreshold(2).withPrivateAverage())
        .configureClients(c -> {
          MpslClient withSeed = c.withPrivacy(new ClientPrivacy(PrivacySettings.NONE.withClientSeed(CLIENT_SEED),
              classes)).requirePrivateAverage();
          clients.add(withSeed);
          return withSeed;
        })
        .interceptWith(tap).interceptWith(new SecureAggregationRunTest.ShareOf(DROPPED, false))
        .run(partition, e -> {
          clients.forEach(c -> clientWeights.put(c.clientId(), flat(c.model().namedParameters())));
          evaluated[0] = flat(server[0].globalTokenizers().namedParameters()); // what the simulation evaluated
        }, s -> server[0] = s);

    assertThat(server[0].secureAggregationNotes()).as("rounds that did not finish").isEmpty();
    assertThat(server[0].holdsGlobalTokenizers()).isFalse();
    tap.sessions().values().forEach(messages -> assertThat(messages).filteredOn(WireTap.Message::isInbound)
        .extracting(WireTap.Message::inbound).as("tokenizers in the clear").noneMatch(ClientMessage::hasTokenizerWeights));

    int n0 = partition.clientSize(0);
    int n1 = partition.clientSize(1);
    float[] w0 = clientWeights.get("client-0");
    float[] w1 = clientWeights.get("client-1");
    float[] plain = new float[w0.length];
    for (int k = 0; k < w0.length; k++) {
      plain[k] = (float) (((double) n0 * w0[k] + (double) n1 * w1[k]) / (n0 + n1));
    }

    // The server's side: the one sum it can form, exactly what it sent back, decodes to no average.
    List<SecureSums.Round> rounds = SecureSums.of(tap);
    assertThat(rounds).hasSize(1);
    SecureSums.Round round = rounds.get(0);
    assertThat(round.padded()).isTrue();
    assertThat(round.counted()).containsExactly("client-0", "client-1");
    for (Map.Entry<String, List<WireTap.Message>> e : tap.sessions().entrySet()) {
      List<ServerMessage> sums = e.getValue().stream().filter(m -> !m.isInbound()).map(WireTap.Message::outbound)
          .filter(ServerMessage::hasSecaggSum).toList();
      assertThat(sums).as(e.getKey() + " got the padded sum once").hasSize(1);
      assertThat(longs(sums.get(0).getSecaggSum().getValues())).isEqualTo(round.total());
    }
    float[] serverDecoded = round.decoded();
    assertThat(SecureAggregationRunTest.fractionClose(serverDecoded, plain)).as("values the server's decoding gets within 1e-3")
        .isLessThan(0.01);
    assertThat(SecureSums.averages(tap, config.model())).as("averages the audit can give the server").isEmpty();

    // The clients' side: every client decodes the survivors' plain average.
    for (MpslClient c : clients) {
      MpslClient.Average a = c.privateAverage();
      assertThat(a).as(c.clientId() + " decoded an average").isNotNull();
      double worst = SecureAggregationRunTest.maxAbsDiff(flat(a.parameters()), plain);
      System.out.printf("private average: %s, %d values, max |decoded - plain average| = %.3g%n", c.clientId(),
          plain.length, worst);
      assertThat(worst).as(c.clientId() + "'s average against the plain weighted average").isLessThan(1e-6);
    }
    assertThat(SecureAggregationRunTest.maxAbsDiff(evaluated[0], plain)).as("the simulation evaluates the clients' average").isLessThan(1e-6);
    assertThat(SecureAggregationRunTest.maxAbsDiff(plain, w0)).as("the average is not a survivor's own tokenizer").isGreaterThan(1e-3);
  }

  /** Name-ordered values of parameters (MNIST has no row tables), as float arrays or DJL parameters. */
  static float[] flat(Map<String, ?> params) {
    int n = 0;
    List<float[]> parts = new java.util.ArrayList<>();
    for (Object p : new TreeMap<>(params).values()) {
      float[] v = p instanceof float[] f ? f : ((org.mpsl4j.model.Parameter) p).array().toFloatArray();
      parts.add(v);
      n += v.length;
    }
    float[] out = new float[n];
    int at = 0;
    for (float[] v : parts) {
      System.arraycopy(v, 0, out, at, v.length);
      at += v.length;
    }
    return out;
  }

  private static long[] longs(com.google.protobuf.ByteString bytes) {
    long[] out = new long[bytes.size() / Long.BYTES];
    bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
    return out;
  }
}
