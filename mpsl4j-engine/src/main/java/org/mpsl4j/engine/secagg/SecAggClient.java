package org.mpsl4j.engine.secagg;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.mpsl4j.protocol.v1.SecAggKey;
import org.mpsl4j.protocol.v1.SecAggKeys;
import org.mpsl4j.protocol.v1.SecAggRecover;
import org.mpsl4j.protocol.v1.SecAggSeeds;
import org.mpsl4j.protocol.v1.SecAggShare;
import org.mpsl4j.protocol.v1.SecAggSum;

/**
 * A client's side of one secure-aggregation round per epoch end: a fresh key pair, then its weighted parameters
 * masked with the seeds it shares with every other party, then, only if asked, its seeds with parties that dropped
 * out. It refuses what would hand the server a single client's values: a round of fewer than {@value #MIN_PARTIES}
 * parties, a recovery that would leave fewer than {@value #MIN_SURVIVORS} shares in the sum, a seed with a party
 * that is not in the round, and any message of another round.
 *
 * <p>With {@link GroupPads} (a secret shared among the clients) it can also take part in a <em>private average</em>
 * (EpochEnd.private_average): its share carries a group pad besides the pairwise masks, the server sends the padded
 * sum back ({@link #average}), and only the clients can take the pads off. A client that {@link #requirePrivate
 * requires} it refuses rounds whose sum the server could read. Not thread-safe (one client's message thread).
 */
public final class SecAggClient {
  /** The fewest parties a client masks for: with two, a dropout would leave the other's values alone in the sum. */
  public static final int MIN_PARTIES = 3;
  /** The fewest shares a recovery may leave in the sum. */
  public static final int MIN_SURVIVORS = 2;

  private final String clientId;
  private long round = -1;
  private PairwiseSeeds keys;
  private Map<String, byte[]> seeds = Map.of();
  private GroupPads pads;
  private boolean requirePrivate;
  private boolean privateRound;
  private int length;

  public SecAggClient(String clientId) {
    this.clientId = clientId;
  }

  /** The group's pads: this client can then take part in private averages. */
  public SecAggClient withGroupPads(GroupPads groupPads) {
    this.pads = groupPads;
    return this;
  }

  /** From now on this client refuses rounds whose sum the server could decode (not a private average). */
  public SecAggClient requirePrivate() {
    this.requirePrivate = true;
    return this;
  }

  /** Step 1 of a round whose sum the server decodes (the average is the server's). */
  public SecAggKey key(long step) {
    return key(step, false);
  }

  /**
   * Step 1: a fresh key pair for the round of {@code step}; {@code privateAverage}: the server will send the padded
   * sum back instead of decoding it.
   *
   * @throws IllegalArgumentException naming why this client does not take part (then it sends nothing)
   */
  public SecAggKey key(long step, boolean privateAverage) {
    keys = null;
    seeds = Map.of();
    length = 0;
    if (privateAverage && pads == null) {
      throw new IllegalArgumentException("the server asks for a private average, but this client has no group secret"
          + " (--client-seed, shared among the clients)");
    }
    if (!privateAverage && requirePrivate) {
      throw new IllegalArgumentException("the server asks for an average it would decode itself; refused (this client"
          + " requires --private-average)");
    }
    round = step;
    privateRound = privateAverage;
    keys = new PairwiseSeeds(clientId);
    return SecAggKey.newBuilder().setPublicKey(ByteString.copyFrom(keys.publicKey().getEncoded())).build();
  }

  /**
   * Step 3: {@code values} (this client's parameters, in name order) weighted by {@code samples}, with the sample
   * count appended, in fixed point and masked.
   *
   * @throws IllegalArgumentException naming why the round is refused (nothing is sent then)
   */
  public SecAggShare share(long step, SecAggKeys parties, float[] values, int samples) {
    checkRound(step);
    if (!parties.getPublicKeysMap().containsKey(clientId)) {
      throw new IllegalArgumentException("the round's parties " + parties.getPublicKeysMap().keySet()
          + " do not include this client");
    }
    if (parties.getPublicKeysCount() < MIN_PARTIES) {
      throw new IllegalArgumentException("the round has " + parties.getPublicKeysCount() + " parties; at least "
          + MIN_PARTIES + " are needed, or a dropout would leave one client's values alone in the sum");
    }
    if (parties.getLength() != values.length + 1) {
      throw new IllegalArgumentException("the server asks for " + parties.getLength() + " values but this client has "
          + values.length + " parameters (+1 for its sample count)");
    }
    Map<String, byte[]> withPeers = new TreeMap<>();
    for (Map.Entry<String, ByteString> e : parties.getPublicKeysMap().entrySet()) {
      if (!e.getKey().equals(clientId)) {
        withPeers.put(e.getKey(), keys.seedWith(e.getKey(), publicKey(e.getKey(), e.getValue())));
      }
    }
    seeds = withPeers;
    long[] fixed = new long[values.length + 1];
    System.arraycopy(FixedPoint.encode(values, samples), 0, fixed, 0, values.length);
    fixed[values.length] = FixedPoint.encode(new float[] {1f}, samples)[0];
    long[] masked = Masks.mask(clientId, fixed, seeds);
    if (privateRound) {
      pads.add(masked, step, clientId);
    }
    length = masked.length;
    ByteBuffer buf = ByteBuffer.allocate(masked.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buf.asLongBuffer().put(masked);
    return SecAggShare.newBuilder().setValues(ByteString.copyFrom(buf.array())).build();
  }

  /**
   * Step 5: the seeds with the parties the server says dropped out.
   *
   * @throws IllegalArgumentException naming why nothing is revealed
   */
  public SecAggSeeds reveal(long step, SecAggRecover recover) {
    checkRound(step);
    if (seeds.isEmpty()) {
      throw new IllegalArgumentException("asked to reveal seeds before this client sent its share");
    }
    Map<String, byte[]> out = new LinkedHashMap<>();
    for (String dropped : recover.getDroppedList()) {
      byte[] seed = seeds.get(dropped);
      if (seed == null) {
        throw new IllegalArgumentException("asked for the seed with '" + dropped + "', who is not another party of"
            + " this round");
      }
      out.put(dropped, seed);
    }
    int survivors = seeds.size() + 1 - out.size();
    if (survivors < MIN_SURVIVORS) {
      throw new IllegalArgumentException("revealing seeds with " + out.keySet() + " would leave " + survivors
          + " share(s) in the sum; at least " + MIN_SURVIVORS + " are needed");
    }
    SecAggSeeds.Builder b = SecAggSeeds.newBuilder();
    out.forEach((id, seed) -> b.putSeeds(id, ByteString.copyFrom(seed)));
    return b.build();
  }

  /**
   * After a private average: the padded sum the server sent back, without the counted clients' pads, decoded into
   * the sample-weighted average (in name order, the sample count dropped).
   *
   * @throws IllegalArgumentException naming why it cannot be decoded: another round, not a private one, a length or
   *     party list that does not match the round, too few counted clients, or a sample count that is no whole
   *     positive number (the clients do not share one secret)
   */
  public float[] average(long step, SecAggSum sum) {
    checkRound(step);
    if (!privateRound) {
      throw new IllegalArgumentException("a padded sum for step " + step + ", which was not a private average");
    }
    if (length == 0) {
      throw new IllegalArgumentException("a padded sum for step " + step + " before this client sent its share");
    }
    if (sum.getValues().size() != length * Long.BYTES) {
      throw new IllegalArgumentException("the padded sum has " + sum.getValues().size() + " bytes but " + length
          + " int64 values (" + length * Long.BYTES + " bytes) are expected");
    }
    for (String id : sum.getCountedList()) {
      if (!id.equals(clientId) && !seeds.containsKey(id)) {
        throw new IllegalArgumentException("the padded sum counts '" + id + "', who is not a party of this round");
      }
    }
    if (sum.getCountedCount() < MIN_SURVIVORS) {
      throw new IllegalArgumentException("the padded sum counts " + sum.getCountedCount() + " client(s); at least "
          + MIN_SURVIVORS + " are needed");
    }
    long[] total = new long[length];
    sum.getValues().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(total);
    long[] plain = pads.remove(total, step, sum.getCountedList());
    double samples = plain[length - 1] / (double) (1L << FixedPoint.FRACTION_BITS);
    if (!(samples >= 1) || Math.abs(samples - Math.rint(samples)) > 1e-3) {
      throw new IllegalArgumentException("the padded sum decodes to " + samples + " samples, not a whole positive"
          + " number: the clients do not share one group secret (--client-seed), or the sum was altered");
    }
    return FixedPoint.decode(java.util.Arrays.copyOf(plain, length - 1), Math.rint(samples));
  }

  private void checkRound(long step) {
    if (keys == null || step != round) {
      throw new IllegalArgumentException("secure-aggregation message for step " + step + " but this client's round is"
          + " step " + round);
    }
  }

  /** Decodes a party's X25519 public key (X.509), naming the party if it is not one. */
  public static PublicKey publicKey(String party, ByteString encoded) {
    try {
      return KeyFactory.getInstance("X25519").generatePublic(new X509EncodedKeySpec(encoded.toByteArray()));
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException("the public key of '" + party + "' is not an X25519 key: " + e.getMessage());
    }
  }
}
