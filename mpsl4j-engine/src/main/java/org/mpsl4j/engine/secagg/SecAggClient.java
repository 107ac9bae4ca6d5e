package org.mpsl4j.engine.secagg;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.mpsl4j.protocol.v1.SecAggBoxes;
import org.mpsl4j.protocol.v1.SecAggKey;
import org.mpsl4j.protocol.v1.SecAggKeys;
import org.mpsl4j.protocol.v1.SecAggRecover;
import org.mpsl4j.protocol.v1.SecAggSeeds;
import org.mpsl4j.protocol.v1.SecAggShare;
import org.mpsl4j.protocol.v1.SecAggSum;

/**
 * A client's side of one double-masking round per epoch end (Bonawitz et al., CCS 2017): fresh mask and box keys;
 * then Shamir shares of its self-mask seed and of its mask key, one box per peer; then its weighted parameters masked
 * with the seeds it shares with every party that sent it a box, plus its self mask; then, once, for each other party
 * either its share of that party's self-mask seed (it survived) or of its mask key (it dropped). It refuses what
 * would hand the server a single client's values: a round of fewer than {@value #MIN_PARTIES} parties, a threshold
 * of at most half the parties, a reveal that asks for both shares of one party, a second reveal, a reveal with fewer
 * than t survivors, parties it did not mask with, and any message of another round.
 *
 * <p>With {@link GroupPads} (a secret shared among the clients) it can also take part in a <em>private average</em>
 * (EpochEnd.private_average): its share carries a group pad besides the masks, the server sends the padded sum back
 * ({@link #average}), and only the clients can take the pads off. A client that {@link #requirePrivate requires} it
 * refuses rounds whose sum the server could read. Not thread-safe (one client's message thread).
 */
public final class SecAggClient {
  /** The fewest parties a client masks for: with two, a dropout would leave the other's values alone in the sum. */
  public static final int MIN_PARTIES = 3;
  private static final int BOX_PLAIN_BYTES = 2 * Shamir.SHARE_BYTES; // self-mask seed share, then mask key share
  /** The size of every box of shares on the wire. */
  public static final int BOX_BYTES = ShareBoxes.boxBytes(BOX_PLAIN_BYTES);

  private final String clientId;
  private final SecureRandom random = new SecureRandom();
  private GroupPads pads;
  private boolean requirePrivate;
  private SecAggRound r; // the current round; null before the first key

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
   * Step 1: fresh mask and box key pairs for the round of {@code step}; {@code privateAverage}: the server will send
   * the padded sum back instead of decoding it.
   *
   * @throws IllegalArgumentException naming why this client does not take part (then it sends nothing)
   */
  public SecAggKey key(long step, boolean privateAverage) {
    r = null;
    if (privateAverage && pads == null) {
      throw new IllegalArgumentException("the server asks for a private average, but this client has no group secret"
          + " (--client-seed, shared among the clients)");
    }
    if (!privateAverage && requirePrivate) {
      throw new IllegalArgumentException("the server asks for an average it would decode itself; refused (this client"
          + " requires --private-average)");
    }
    r = new SecAggRound(step, privateAverage, new PairwiseSeeds(clientId), new ShareBoxes(clientId, random));
    return SecAggKey.newBuilder().setPublicKey(ByteString.copyFrom(r.own.publicKey().getEncoded()))
        .setBoxKey(ByteString.copyFrom(r.boxes.publicKey().getEncoded())).build();
  }

  /**
   * Step 2: Shamir shares (threshold t of the round's n parties) of a fresh self-mask seed and of this round's mask
   * private key, each peer's pair sealed in a box only that peer can open.
   *
   * @throws IllegalArgumentException naming why the round is refused (nothing is sent then)
   */
  public SecAggBoxes boxes(long step, SecAggKeys parties) {
    SecAggRound round = current(step);
    if (round.parties != null) {
      throw new IllegalArgumentException("a second key list for step " + step + ": refused");
    }
    Map<String, ByteString> maskKeys = parties.getPublicKeysMap();
    if (!maskKeys.containsKey(clientId)) {
      throw new IllegalArgumentException("the round's parties " + maskKeys.keySet() + " do not include this client");
    }
    if (maskKeys.size() < MIN_PARTIES) {
      throw new IllegalArgumentException("the round has " + maskKeys.size() + " parties; at least " + MIN_PARTIES
          + " are needed, or a dropout would leave one client's values alone in the sum");
    }
    if (!parties.getBoxKeysMap().keySet().equals(maskKeys.keySet())) {
      throw new IllegalArgumentException("the round's box keys are for " + parties.getBoxKeysMap().keySet()
          + " but its mask keys for " + maskKeys.keySet());
    }
    String badThreshold = Threshold.problem(parties.getThreshold(), maskKeys.size());
    if (badThreshold != null) {
      throw new IllegalArgumentException(badThreshold);
    }
    List<String> ids = new ArrayList<>(new TreeMap<>(maskKeys).keySet());
    Map<String, PublicKey> masks = new TreeMap<>();
    Map<String, PublicKey> boxKeys = new TreeMap<>();
    for (String id : ids) {
      masks.put(id, publicKey(id, maskKeys.get(id)));
      boxKeys.put(id, publicKey(id, parties.getBoxKeysMap().get(id)));
    }
    byte[] selfSeed = new byte[Shamir.SECRET_BYTES];
    random.nextBytes(selfSeed);
    int t = parties.getThreshold();
    byte[][] seedShares = Shamir.split(selfSeed, t, ids.size(), random);
    byte[][] keyShares = Shamir.split(round.own.privateScalar(), t, ids.size(), random);
    round.begin(ids, masks, boxKeys, t, parties.getLength(), selfSeed);
    SecAggBoxes.Builder out = SecAggBoxes.newBuilder();
    for (int i = 0; i < ids.size(); i++) {
      byte[] plain = ByteBuffer.allocate(BOX_PLAIN_BYTES).put(seedShares[i]).put(keyShares[i]).array();
      if (ids.get(i).equals(clientId)) {
        round.hold(clientId, seedShares[i], keyShares[i]);
      } else {
        out.putBoxes(ids.get(i), ByteString.copyFrom(round.boxes.seal(step, ids.get(i), boxKeys.get(ids.get(i)),
            plain)));
      }
    }
    return out.build();
  }

  /**
   * Step 3: opens the boxes addressed to this client (their senders are the parties it masks with), then sends
   * {@code values} (its parameters, in name order) weighted by {@code samples}, the sample count appended, in fixed
   * point, with the pairwise masks, its self mask and (private average) its group pad.
   *
   * @throws IllegalArgumentException naming why the round is refused (a box that does not open, a sender that is no
   *     party, fewer senders than the threshold, a length that does not match; nothing is sent then)
   */
  public SecAggShare share(long step, SecAggBoxes received, float[] values, int samples) {
    SecAggRound round = current(step);
    if (round.parties == null) {
      throw new IllegalArgumentException("boxes for step " + step + " before the round's key list");
    }
    if (round.maskedWith != null) {
      throw new IllegalArgumentException("a second set of boxes for step " + step + ": refused");
    }
    if (round.length != values.length + 1) {
      throw new IllegalArgumentException("the server asks for " + round.length + " values but this client has "
          + values.length + " parameters (+1 for its sample count)");
    }
    Map<String, byte[]> seeds = new TreeMap<>();
    for (Map.Entry<String, ByteString> e : received.getBoxesMap().entrySet()) {
      String sender = e.getKey();
      if (sender.equals(clientId) || !round.peerMaskKeys.containsKey(sender)) {
        throw new IllegalArgumentException("a box from '" + sender + "', who is not another party of this round");
      }
      byte[] plain = round.boxes.open(step, sender, round.peerBoxKeys.get(sender), e.getValue().toByteArray());
      if (plain.length != BOX_PLAIN_BYTES) {
        throw new IllegalArgumentException("the box from '" + sender + "' holds " + plain.length + " bytes, not "
            + BOX_PLAIN_BYTES + " (two Shamir shares)");
      }
      round.hold(sender, java.util.Arrays.copyOf(plain, Shamir.SHARE_BYTES),
          java.util.Arrays.copyOfRange(plain, Shamir.SHARE_BYTES, BOX_PLAIN_BYTES));
      seeds.put(sender, round.own.seedWith(sender, round.peerMaskKeys.get(sender)));
    }
    if (seeds.size() + 1 < round.threshold) {
      throw new IllegalArgumentException("only " + (seeds.size() + 1) + " parties (this client included) shared"
          + " their keys, fewer than the threshold " + round.threshold + ": no dropout could be recovered");
    }
    round.maskedWith = seeds.keySet();
    long[] fixed = new long[values.length + 1];
    System.arraycopy(FixedPoint.encode(values, samples), 0, fixed, 0, values.length);
    fixed[values.length] = FixedPoint.encode(new float[] {1f}, samples)[0];
    long[] masked = Masks.mask(clientId, fixed, seeds);
    Masks.apply(masked, Masks.stream(round.selfSeed, masked.length), 1);
    if (round.privateAverage) {
      pads.add(masked, step, clientId);
    }
    return SecAggShare.newBuilder().setValues(Int64Bytes.of(masked)).build();
  }

  /**
   * Step 4, once per round: for each survivor this client's share of its self-mask seed, for each dropout its share
   * of the dropout's mask key.
   *
   * @throws IllegalArgumentException naming why nothing is revealed: a party named as both survivor and dropout, a
   *     second request, fewer survivors than the threshold, a party this client did not mask with, a party left out,
   *     or this client named as dropped
   */
  public SecAggSeeds reveal(long step, SecAggRecover recover) {
    SecAggRound round = current(step);
    if (round.maskedWith == null) {
      throw new IllegalArgumentException("asked to reveal shares before this client sent its share");
    }
    if (round.revealed) {
      throw new IllegalArgumentException("a second reveal request for step " + step + ": refused (one per round, so"
          + " that no party's self-mask seed and mask key are both revealed)");
    }
    Set<String> survivors = distinct("survivors", recover.getSurvivorsList());
    Set<String> dropped = distinct("dropouts", recover.getDroppedList());
    for (String both : survivors) {
      if (dropped.contains(both)) {
        throw new IllegalArgumentException("the request names '" + both + "' as survivor and as dropout, asking for"
            + " both shares of it: refused");
      }
    }
    Set<String> named = new HashSet<>(survivors);
    named.addAll(dropped);
    Set<String> masked = new HashSet<>(round.maskedWith);
    masked.add(clientId);
    if (!named.equals(masked)) {
      Set<String> strangers = new HashSet<>(named);
      strangers.removeAll(masked);
      masked.removeAll(named);
      throw new IllegalArgumentException("the request names " + strangers + " that this client did not mask with"
          + " and leaves out " + masked + ": refused");
    }
    if (!survivors.contains(clientId)) {
      throw new IllegalArgumentException("the request names this client as dropped yet asks it to reveal: refused");
    }
    if (survivors.size() < round.threshold) {
      throw new IllegalArgumentException("the request names " + survivors.size() + " survivors, fewer than the"
          + " threshold " + round.threshold + ": refused");
    }
    round.revealed = true;
    SecAggSeeds.Builder out = SecAggSeeds.newBuilder();
    survivors.forEach(id -> out.putSelfMaskShares(id, ByteString.copyFrom(round.seedShare(id))));
    dropped.forEach(id -> out.putKeyShares(id, ByteString.copyFrom(round.keyShare(id))));
    return out.build();
  }

  /**
   * After a private average: the padded sum the server sent back, without the counted clients' pads, decoded into
   * the sample-weighted average (in name order, the sample count dropped).
   *
   * @throws IllegalArgumentException naming why it cannot be decoded: another round, not a private one, a length or
   *     party list that does not match the round, fewer counted clients than the threshold, or a sample count that is
   *     no whole positive number (the clients do not share one secret)
   */
  public float[] average(long step, SecAggSum sum) {
    SecAggRound round = current(step);
    if (!round.privateAverage) {
      throw new IllegalArgumentException("a padded sum for step " + step + ", which was not a private average");
    }
    if (round.maskedWith == null) {
      throw new IllegalArgumentException("a padded sum for step " + step + " before this client sent its share");
    }
    if (sum.getValues().size() != round.length * Long.BYTES) {
      throw new IllegalArgumentException("the padded sum has " + sum.getValues().size() + " bytes but "
          + round.length + " int64 values (" + round.length * Long.BYTES + " bytes) are expected");
    }
    for (String id : sum.getCountedList()) {
      if (!id.equals(clientId) && !round.maskedWith.contains(id)) {
        throw new IllegalArgumentException("the padded sum counts '" + id + "', who is not a party of this round");
      }
    }
    if (sum.getCountedCount() < round.threshold) {
      throw new IllegalArgumentException("the padded sum counts " + sum.getCountedCount() + " client(s), fewer than"
          + " the threshold " + round.threshold);
    }
    long[] total = Int64Bytes.read(sum.getValues(), round.length, "the padded sum of step " + step);
    long[] plain = pads.remove(total, step, sum.getCountedList());
    double samples = plain[round.length - 1] / (double) (1L << FixedPoint.FRACTION_BITS);
    if (!(samples >= 1) || Math.abs(samples - Math.rint(samples)) > 1e-3) {
      throw new IllegalArgumentException("the padded sum decodes to " + samples + " samples, not a whole positive"
          + " number: the clients do not share one group secret (--client-seed), or the sum was altered");
    }
    return FixedPoint.decode(java.util.Arrays.copyOf(plain, round.length - 1), Math.rint(samples));
  }

  private SecAggRound current(long step) {
    if (r == null || step != r.step) {
      throw new IllegalArgumentException("secure-aggregation message for step " + step + " but this client's round is"
          + " step " + (r == null ? -1 : r.step));
    }
    return r;
  }

  private static Set<String> distinct(String what, List<String> ids) {
    Set<String> out = new HashSet<>(ids);
    if (out.size() != ids.size()) {
      throw new IllegalArgumentException("the request's " + what + " " + ids + " name a party twice: refused");
    }
    return out;
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
