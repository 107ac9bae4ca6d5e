package org.mpsl4j.engine.secagg;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The server's side of one double-masking round: it accepts one masked share per party that shared its keys
 * (checking party, length, not twice), then takes the survivors' Shamir shares ({@link #reveal}) and finishes with
 * the sum: each survivor's self mask removed with its seed rebuilt from t shares, each dropout's pairwise masks with
 * its mask key rebuilt from t shares (checked against its published key). A share that comes after unmasking began
 * is refused; it could not be counted, and its self mask keeps it unreadable. Not thread-safe.
 */
public final class SecureSum {
  private final List<String> parties; // every party of the key list, in id order: a holder's Shamir x is its index+1
  private final Map<String, PublicKey> maskKeys;
  private final Set<String> maskedWith;
  private final int threshold;
  private final int length;
  private final Map<String, long[]> shares = new TreeMap<>();
  private final Map<String, Map<Integer, byte[]>> seedShares = new TreeMap<>(); // owner -> holder's x -> share
  private final Map<String, Map<Integer, byte[]>> keyShares = new TreeMap<>();
  private final Set<String> revealed = new TreeSet<>();
  private boolean unmasking;

  /**
   * @param maskKeys every party's mask public key (the round's key list)
   * @param maskedWith the parties whose boxes went out: they mask with each other and may send a share
   * @param threshold Shamir's t
   * @param length the masked vector's length
   */
  public SecureSum(Map<String, PublicKey> maskKeys, Set<String> maskedWith, int threshold, int length) {
    this.maskKeys = new TreeMap<>(maskKeys);
    this.parties = List.copyOf(this.maskKeys.keySet());
    this.maskedWith = new TreeSet<>(maskedWith);
    if (!this.maskKeys.keySet().containsAll(maskedWith)) {
      throw new IllegalArgumentException("parties " + maskedWith + " are not all in the key list " + parties);
    }
    this.threshold = threshold;
    this.length = length;
  }

  /**
   * Accepts {@code client}'s masked share.
   *
   * @throws IllegalArgumentException naming the client and the problem: not a party that shared its keys, sent
   *     twice, wrong length, or sent after unmasking began
   */
  public void accept(String client, long[] share) {
    if (!maskedWith.contains(client)) {
      throw new IllegalArgumentException("masked share from '" + client + "', who did not share its keys in this round "
          + maskedWith);
    }
    if (unmasking) {
      throw new IllegalArgumentException("masked share from '" + client + "' after unmasking began: too late to count");
    }
    if (shares.containsKey(client)) {
      throw new IllegalArgumentException("'" + client + "' sent a second masked share in one round");
    }
    if (share.length != length) {
      throw new IllegalArgumentException("masked share from '" + client + "' has " + share.length + " values but "
          + length + " are expected");
    }
    shares.put(client, share.clone());
  }

  /** The parties with no share so far: the dropouts, once the deadline passed. */
  public List<String> missing() {
    return maskedWith.stream().filter(c -> !shares.containsKey(c)).toList();
  }

  /** Starts unmasking: from now on no share is accepted. @return the dropouts */
  public List<String> beginUnmasking() {
    unmasking = true;
    return missing();
  }

  /**
   * {@code holder} (a survivor) reveals its Shamir shares: of survivors' self-mask seeds and of dropouts' mask keys.
   *
   * @throws IllegalArgumentException naming the holder and the problem (then none of its shares is used): not a
   *     survivor, a second reveal, a seed share of a dropout or a key share of a survivor, a share of no party, or a
   *     share that is not {@value Shamir#SHARE_BYTES} bytes
   */
  public void reveal(String holder, Map<String, byte[]> selfMaskShares, Map<String, byte[]> maskKeyShares) {
    if (!unmasking) {
      throw new IllegalStateException("reveal() before beginUnmasking()");
    }
    if (!shares.containsKey(holder)) {
      throw new IllegalArgumentException("'" + holder + "' sent no share, so it takes no part in unmasking");
    }
    if (revealed.contains(holder)) {
      throw new IllegalArgumentException("'" + holder + "' revealed a second time");
    }
    check(holder, selfMaskShares, true);
    check(holder, maskKeyShares, false);
    revealed.add(holder);
    int x = parties.indexOf(holder) + 1;
    selfMaskShares.forEach((owner, s) -> seedShares.computeIfAbsent(owner, k -> new TreeMap<>()).put(x, s.clone()));
    maskKeyShares.forEach((owner, s) -> keyShares.computeIfAbsent(owner, k -> new TreeMap<>()).put(x, s.clone()));
  }

  private void check(String holder, Map<String, byte[]> byOwner, boolean ofSurvivors) {
    for (Map.Entry<String, byte[]> e : byOwner.entrySet()) {
      String owner = e.getKey();
      if (!maskedWith.contains(owner)) {
        throw new IllegalArgumentException("'" + holder + "' revealed a share of '" + owner + "', who is no party");
      }
      if (shares.containsKey(owner) != ofSurvivors) {
        throw new IllegalArgumentException("'" + holder + "' revealed a " + (ofSurvivors ? "self-mask seed share of"
            + " dropout '" : "mask-key share of survivor '") + owner + "': refused");
      }
      if (e.getValue().length != Shamir.SHARE_BYTES) {
        throw new IllegalArgumentException("'" + holder + "' revealed a share of '" + owner + "' of "
            + e.getValue().length + " bytes, not " + Shamir.SHARE_BYTES);
      }
    }
  }

  /**
   * The sum of the survivors' values, modulo 2^64.
   *
   * @throws IllegalStateException naming the party whose secret cannot be rebuilt (fewer than t shares, shares that
   *     disagree, or a mask key that does not match the published one)
   */
  public long[] sum() {
    long[] total = new long[length];
    for (long[] s : shares.values()) {
      Masks.apply(total, s, 1);
    }
    for (String survivor : shares.keySet()) {
      Masks.apply(total, Masks.stream(rebuild(survivor, seedShares, "self-mask seed"), length), -1);
    }
    for (String dropped : missing()) {
      byte[] scalar = rebuild(dropped, keyShares, "mask key");
      PrivateKey key;
      try {
        key = PairwiseSeeds.privateKey(dropped, scalar, maskKeys.get(dropped));
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException("cannot finish: " + e.getMessage(), e);
      }
      for (String survivor : shares.keySet()) {
        byte[] seed = PairwiseSeeds.seed(key, dropped, survivor, maskKeys.get(survivor));
        // The survivor applied +stream if it sorts before the dropout, -stream otherwise: take it back out.
        Masks.apply(total, Masks.stream(seed, length), survivor.compareTo(dropped) < 0 ? -1 : 1);
      }
    }
    return total;
  }

  /** {@code owner}'s secret from the first t shares, the others checked against the same polynomial. */
  private byte[] rebuild(String owner, Map<String, Map<Integer, byte[]>> byOwner, String what) {
    Map<Integer, byte[]> all = byOwner.getOrDefault(owner, Map.of());
    if (all.size() < threshold) {
      throw new IllegalStateException("cannot finish: " + all.size() + " share(s) of the " + what + " of '" + owner
          + "' came, fewer than the threshold " + threshold);
    }
    Map<Integer, byte[]> first = new TreeMap<>();
    List<Integer> rest = new ArrayList<>();
    all.forEach((x, s) -> {
      if (first.size() < threshold) {
        first.put(x, s);
      } else {
        rest.add(x);
      }
    });
    for (int x : rest) {
      if (!Arrays.equals(Shamir.evaluate(x, first), all.get(x))) {
        throw new IllegalStateException("cannot finish: the shares of the " + what + " of '" + owner + "' disagree"
            + " (the one of '" + parties.get(x - 1) + "' is not on the polynomial of " + holders(first) + ")");
      }
    }
    try {
      return Shamir.recover(first);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("cannot finish: the " + what + " of '" + owner + "': " + e.getMessage(), e);
    }
  }

  private List<String> holders(Map<Integer, byte[]> byX) {
    return byX.keySet().stream().map(x -> parties.get(x - 1)).toList();
  }

  /** The clients whose shares are in {@link #sum}, in id order. */
  public List<String> counted() {
    return List.copyOf(shares.keySet());
  }

  /** How many shares arrived. */
  public int received() {
    return shares.size();
  }

  @Override
  public String toString() {
    return "SecureSum[" + shares.keySet() + " of " + maskedWith + ", t " + threshold + ", length " + length
        + ", missing " + missing() + "]";
  }
}
