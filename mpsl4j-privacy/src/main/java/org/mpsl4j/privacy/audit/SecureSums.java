package org.mpsl4j.privacy.audit;

import ai.djl.ndarray.NDManager;
import com.google.protobuf.ByteString;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.mpsl4j.engine.secagg.FixedPoint;
import org.mpsl4j.engine.secagg.SecAggClient;
import org.mpsl4j.engine.secagg.SecureSum;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.privacy.capture.WireTap;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.SecAggKeys;
import org.mpsl4j.protocol.v1.SecAggSeeds;

/**
 * The epoch-end sums of secure aggregation as the server holds them, rebuilt from the record alone: for each round,
 * the shares that came in, unmasked with the Shamir shares the survivors revealed (the engine's own
 * {@link SecureSum}: survivors' self masks, dropouts' pairwise masks), and whether the server sent that sum back padded (a private average: the sum still carries the
 * clients' group pads, which the server cannot remove). Rounds are read in step order.
 */
final class SecureSums {
  /** One round: its step, the server's sum, the clients it counts, and whether the clients' pads are still in it. */
  record Round(long step, long[] total, List<String> counted, boolean padded) {
    /** The sum decoded as the server decodes an unpadded one: Σ nᵢ·θᵢ / Σ nᵢ, the count being the last value. */
    float[] decoded() {
      double samples = total[total.length - 1] / (double) (1L << FixedPoint.FRACTION_BITS);
      return FixedPoint.decode(java.util.Arrays.copyOf(total, total.length - 1), samples);
    }
  }

  private SecureSums() {}

  /** Every round of secure aggregation in {@code tap} that the server could finish. */
  static List<Round> of(WireTap tap) {
    Map<Long, SecAggKeys> keyLists = new TreeMap<>();
    Map<Long, Set<String>> boxed = new HashMap<>(); // who sent share boxes: the parties that mask with each other
    Map<Long, Map<String, long[]>> shares = new HashMap<>();
    Map<Long, Map<String, SecAggSeeds>> reveals = new HashMap<>();
    Set<Long> padded = new TreeSet<>();
    tap.sessions().forEach((client, messages) -> {
      for (WireTap.Message m : messages) {
        if (m.isInbound()) {
          ClientMessage c = m.inbound();
          switch (c.getBodyCase()) {
            case SECAGG_BOXES -> boxed.computeIfAbsent(c.getStep(), k -> new TreeSet<>()).add(client);
            case SECAGG_SHARE -> shares.computeIfAbsent(c.getStep(), k -> new TreeMap<>())
                .put(client, longs(c.getSecaggShare().getValues()));
            case SECAGG_SEEDS -> reveals.computeIfAbsent(c.getStep(), k -> new HashMap<>()).put(client,
                c.getSecaggSeeds());
            default -> { }
          }
        } else if (m.outbound().hasSecaggSum()) {
          padded.add(m.outbound().getStep());
        } else if (m.outbound().hasSecaggKeys()) {
          keyLists.put(m.outbound().getStep(), m.outbound().getSecaggKeys()); // the same list goes to every party
        }
      }
    });
    List<Round> out = new ArrayList<>();
    for (Map.Entry<Long, SecAggKeys> e : keyLists.entrySet()) {
      long step = e.getKey();
      SecAggKeys list = e.getValue();
      Map<String, long[]> in = shares.getOrDefault(step, Map.of());
      if (in.size() < 2) {
        continue;
      }
      try {
        Map<String, PublicKey> maskKeys = new TreeMap<>();
        list.getPublicKeysMap().forEach((id, k) -> maskKeys.put(id, SecAggClient.publicKey(id, k)));
        Set<String> maskers = new TreeSet<>(boxed.getOrDefault(step, Set.of()));
        maskers.retainAll(maskKeys.keySet());
        SecureSum sum = new SecureSum(maskKeys, maskers, list.getThreshold(), list.getLength());
        in.forEach((client, share) -> {
          try {
            sum.accept(client, share);
          } catch (IllegalArgumentException ex) {
            // refused by the server too (e.g. the wrong length), and recovered from as a dropout
          }
        });
        sum.beginUnmasking();
        reveals.getOrDefault(step, Map.of()).forEach((holder, r) -> {
          try {
            sum.reveal(holder, raw(r.getSelfMaskSharesMap()), raw(r.getKeySharesMap()));
          } catch (IllegalArgumentException ex) {
            // refused by the server too (a share of the wrong kind or size)
          }
        });
        out.add(new Round(step, sum.sum(), sum.counted(), padded.contains(step)));
      } catch (IllegalArgumentException | IllegalStateException ex) {
        // the server could not finish this round either (too few shares, a bad key): no sum to read
      }
    }
    return out;
  }

  private static Map<String, byte[]> raw(Map<String, ByteString> in) {
    Map<String, byte[]> out = new HashMap<>();
    in.forEach((id, b) -> out.put(id, b.toByteArray()));
    return out;
  }

  /**
   * The averages the server decodes, by epoch (one per finished unpadded round, by parameter name); empty from the
   * first padded round on, since the server cannot decode those (a private average).
   */
  static List<Map<String, float[]>> averages(WireTap tap, ModelConfig model) {
    List<Map<String, float[]>> out = new ArrayList<>();
    Map<String, Long> sizes = sizes(model);
    for (Round r : of(tap)) {
      if (r.padded()) {
        return out;
      }
      float[] flat = r.decoded();
      Map<String, float[]> byName = new LinkedHashMap<>();
      int at = 0;
      for (Map.Entry<String, Long> e : sizes.entrySet()) {
        int n = Math.toIntExact(e.getValue());
        byName.put(e.getKey(), java.util.Arrays.copyOfRange(flat, at, at + n));
        at += n;
      }
      out.add(byName);
    }
    return out;
  }

  /** The averaged client parameters in name order (a fixed client head is not averaged) and their sizes. */
  private static Map<String, Long> sizes(ModelConfig model) {
    Map<String, Long> out = new TreeMap<>();
    try (NDManager manager = NDManager.newBaseManager()) {
      new ClientModel(manager, model, new Random(0)).namedParameters().forEach((name, p) -> {
        if (!(model.head().placement() == HeadConfig.Placement.CLIENT_FIXED && name.startsWith("head."))) {
          out.put(name, p.shape().size());
        }
      });
    }
    return out;
  }

  private static long[] longs(com.google.protobuf.ByteString bytes) {
    return org.mpsl4j.engine.secagg.Int64Bytes.read(bytes);
  }
}
