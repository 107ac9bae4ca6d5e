package org.mpsl4j.privacy.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
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
import org.mpsl4j.engine.secagg.FixedPoint;
import org.mpsl4j.engine.secagg.Masks;
import org.mpsl4j.engine.secagg.PairwiseSeeds;
import org.mpsl4j.engine.secagg.SecAggClient;
import org.mpsl4j.engine.secagg.Shamir;
import org.mpsl4j.engine.sim.MpslSetup;
import org.mpsl4j.engine.sim.Simulation;
import org.mpsl4j.engine.sim.SimulationConfig;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.privacy.capture.WireTap;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.SecAggSeeds;

/**
 * Secure aggregation in a real run: three clients train one epoch in process; at the epoch end client-2 sends its key
 * and then drops out (its share is lost on the way to the server), or sends a malformed share. On exactly what the server's transport handed over
 * (the {@link WireTap}), no client uploaded its tokenizer, each share is masked, and even after removing every mask
 * the server can rebuild (the survivor's self mask, its mask with client-2) a share stays masked by the survivors'
 * pairwise mask; yet the server's global
 * tokenizer equals the plain sample-weighted average of the two survivors' tokenizers within 1e-6 (fixed point with
 * 24 fraction bits: at most 2 · 2⁻²⁵ / (n₀ + n₁) of rounding, plus float32 rounding of values below 8 in magnitude).
 */
final class SecureAggregationRunTest {
  private static final String DROPPED = "client-2";

  @Test
  @Timeout(300)
  void threeClients_oneDropsAfterKeyExchange_serverHoldsOnlyTheSurvivorsWeightedSum() throws Exception {
    Run run = run(new ShareOf(DROPPED, false));
    assertThat(run.inbound().get(DROPPED)).as("the dropout's share never reached the server")
        .noneMatch(ClientMessage::hasSecaggShare);
    checkOnlyTheSurvivorsSumIsLearned(run);
  }

  /** A malformed share is refused with the reason and its client recovered from like a dropout. */
  @Test
  @Timeout(300)
  void malformedShare_isRefusedNamingTheProblem_andRecoveredFromAsADropout() throws Exception {
    Run run = run(new ShareOf(DROPPED, true));
    assertThat(run.tap().sessions().get(DROPPED)).filteredOn(m -> !m.isInbound() && m.outbound().hasError())
        .extracting(m -> m.outbound().getError().getMessage())
        .anyMatch(e -> e.matches("masked share from 'client-2' has 8 bytes but \\d+ int64 values \\(\\d+ bytes\\) are"
            + " expected; recovered from as a dropout"));
    checkOnlyTheSurvivorsSumIsLearned(run);
  }

  private record Run(Partition partition, Map<String, List<ClientMessage>> inbound, WireTap tap,
      Map<String, float[]> clientWeights, float[] global, MpslServer server) {}

  /** One epoch of 3 clients with secure aggregation, {@code interceptor} between them and the server's record. */
  private static Run run(ServerInterceptor interceptor) throws Exception {
    DatasetSplit split = SmallRuns.mnist(300);
    SimulationConfig base = SmallRuns.config(split, 1);
    // A short phase deadline: the lost share is waited for this long before the recovery starts.
    SimulationConfig config = new SimulationConfig(base.model(), 3, 5, 1, 2e-3f, 5, 0.5, 10, 2024,
        Duration.ofSeconds(20), 2);
    Partition partition = MpslSetup.partition(split.train(), 3, 0.5, 10, 2024);
    List<MpslClient> clients = new CopyOnWriteArrayList<>();
    Map<String, float[]> clientWeights = new ConcurrentHashMap<>();
    float[][] global = new float[1][];
    MpslServer[] server = new MpslServer[1];
    WireTap tap = new WireTap();

    // t = 2 of 3, so that one dropout can be recovered (the default, floor(2n/3) + 1 = 3, would need every share)
    new Simulation(config, split).configureServer(s -> s.withSecAggThreshold(2).withSecureAggregation())
        .configureClients(c -> {
          clients.add(c);
          return c;
        })
        .interceptWith(tap).interceptWith(interceptor) // what it does happens before the server's record
        .run(partition, e -> {
          // After the epoch end's aggregation, before any further step: the clients' and the global weights.
          clients.forEach(c -> clientWeights.put(c.clientId(), flat(c.model())));
          global[0] = flat(server[0].globalTokenizers());
        }, s -> server[0] = s);

    Map<String, List<ClientMessage>> inbound = new TreeMap<>();
    tap.sessions().forEach((id, messages) -> inbound.put(id, messages.stream().filter(WireTap.Message::isInbound)
        .map(WireTap.Message::inbound).toList()));
    return new Run(partition, inbound, tap, clientWeights, global[0], server[0]);
  }

  private static void checkOnlyTheSurvivorsSumIsLearned(Run run) {
    assertThat(run.server().secureAggregationNotes()).as("rounds that did not finish").isEmpty();
    Map<String, List<ClientMessage>> inbound = run.inbound();
    Partition partition = run.partition();
    Map<String, float[]> clientWeights = run.clientWeights();
    assertThat(inbound.keySet()).containsExactly("client-0", "client-1", "client-2");
    for (List<ClientMessage> messages : inbound.values()) {
      assertThat(messages).as("tokenizers in the clear").noneMatch(ClientMessage::hasTokenizerWeights);
      assertThat(messages).as("public keys").filteredOn(ClientMessage::hasSecaggKey).hasSize(1);
    }

    int n0 = partition.clientSize(0);
    int n1 = partition.clientSize(1);
    for (int i = 0; i < 2; i++) {
      String id = "client-" + i;
      int samples = partition.clientSize(i);
      long[] share = longs(only(inbound.get(id), ClientMessage::hasSecaggShare).getSecaggShare().getValues());
      SecAggSeeds revealed = only(inbound.get(id), ClientMessage::hasSecaggSeeds).getSecaggSeeds();
      assertThat(revealed.getSelfMaskSharesMap().keySet()).as(id + " revealed self-mask seed shares of the survivors")
          .containsExactlyInAnyOrder("client-0", "client-1");
      assertThat(revealed.getKeySharesMap().keySet()).as(id + " revealed a mask-key share of the dropout only")
          .containsExactly(DROPPED);
      // Everything the server can take off this share: its self mask and its mask with the dropout, both rebuilt
      // from the two survivors' Shamir shares (x: position among the parties client-0..2, plus 1).
      long[] unmasked = share.clone();
      Masks.apply(unmasked, Masks.stream(rebuild(inbound, id, true), share.length), -1);
      byte[] seed = PairwiseSeeds.seed(PairwiseSeeds.privateKey(DROPPED, rebuild(inbound, DROPPED, false),
          publicKey(inbound, DROPPED)), DROPPED, id, publicKey(inbound, id));
      Masks.apply(unmasked, Masks.stream(seed, share.length), id.compareTo(DROPPED) < 0 ? -1 : 1);
      float[] truth = clientWeights.get(id);
      assertThat(fractionClose(FixedPoint.decode(share, samples), truth)).as(id + "'s share as sent").isLessThan(0.01);
      assertThat(fractionClose(FixedPoint.decode(unmasked, samples), truth))
          .as(id + "'s share without the masks the server knows").isLessThan(0.01);
    }

    float[] w0 = clientWeights.get("client-0");
    float[] w1 = clientWeights.get("client-1");
    double worst = 0;
    for (int k = 0; k < w0.length; k++) {
      double plain = ((double) n0 * w0[k] + (double) n1 * w1[k]) / (n0 + n1);
      worst = Math.max(worst, Math.abs(run.global()[k] - plain));
    }
    System.out.printf("secure aggregation: %d values, max |secure - plain average| = %.3g%n", w0.length, worst);
    assertThat(worst).as("secure average against the plain weighted average of the survivors").isLessThan(1e-6);
    assertThat(maxAbsDiff(run.global(), w0)).as("the average is not a survivor's own tokenizer").isGreaterThan(1e-3);
    // The audit rebuilds the server's sum from the record alone (SecureSums), as the server holds it.
    List<SecureSums.Round> rounds = SecureSums.of(run.tap());
    assertThat(rounds).hasSize(1);
    assertThat(rounds.get(0).padded()).isFalse();
    assertThat(maxAbsDiff(rounds.get(0).decoded(), run.global())).as("the audit's view of the server's average")
        .isLessThan(1e-6);
  }

  /** {@code owner}'s self-mask seed ({@code selfMask}) or mask key, from the survivors' revealed shares. */
  private static byte[] rebuild(Map<String, List<ClientMessage>> inbound, String owner, boolean selfMask) {
    Map<Integer, byte[]> byX = new TreeMap<>();
    for (int i = 0; i < 2; i++) {
      SecAggSeeds r = only(inbound.get("client-" + i), ClientMessage::hasSecaggSeeds).getSecaggSeeds();
      byX.put(i + 1, (selfMask ? r.getSelfMaskSharesOrThrow(owner) : r.getKeySharesOrThrow(owner)).toByteArray());
    }
    return Shamir.recover(byX);
  }

  private static java.security.PublicKey publicKey(Map<String, List<ClientMessage>> inbound, String id) {
    return SecAggClient.publicKey(id, only(inbound.get(id), ClientMessage::hasSecaggKey).getSecaggKey().getPublicKey());
  }

  /** Name-ordered values of every parameter of a client model (dense: MNIST has no row tables). */
  private static float[] flat(ClientModel model) {
    List<Float> out = new ArrayList<>();
    new TreeMap<>(model.namedParameters()).values().forEach(p -> {
      for (float v : p.array().toFloatArray()) {
        out.add(v);
      }
    });
    float[] a = new float[out.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = out.get(i);
    }
    return a;
  }

  private static long[] longs(com.google.protobuf.ByteString bytes) {
    long[] out = new long[bytes.size() / Long.BYTES];
    bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
    return out;
  }

  private static ClientMessage only(List<ClientMessage> messages, java.util.function.Predicate<ClientMessage> kind) {
    List<ClientMessage> found = messages.stream().filter(kind).toList();
    assertThat(found).hasSize(1);
    return found.get(0);
  }

  /** Share of the parameters (the last element, the sample count, left out) decoded within 1e-3 of the truth. */
  static double fractionClose(float[] decoded, float[] truth) {
    int close = 0;
    for (int k = 0; k < truth.length; k++) {
      close += Math.abs(decoded[k] - truth[k]) < 1e-3 ? 1 : 0;
    }
    return (double) close / truth.length;
  }

  static double maxAbsDiff(float[] a, float[] b) {
    double m = 0;
    for (int k = 0; k < a.length; k++) {
      m = Math.max(m, Math.abs(a[k] - b[k]));
    }
    return m;
  }

  /**
   * Swallows one client's masked share on its way in, as a client that vanished after the key exchange, or cuts it to
   * its first 8 bytes (a malformed share).
   */
  static final class ShareOf implements ServerInterceptor {
    private final String clientId;
    private final boolean corrupt;

    ShareOf(String clientId, boolean corrupt) {
      this.clientId = clientId;
      this.corrupt = corrupt;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
        private String id;

        @Override
        public void onMessage(Q message) {
          if (message instanceof ClientMessage m) {
            if (m.hasHello()) {
              id = m.getHello().getClientId();
            }
            if (clientId.equals(id) && m.hasSecaggShare()) {
              if (!corrupt) {
                call.request(1); // the service never sees it, so ask for the next message in its stead
                return;
              }
              ClientMessage cut = m.toBuilder().setSecaggShare(m.getSecaggShare().toBuilder()
                  .setValues(m.getSecaggShare().getValues().substring(0, 8))).build();
              super.onMessage((Q) cut);
              return;
            }
          }
          super.onMessage(message);
        }
      };
    }
  }
}
