package org.mpsl4j.engine.secagg;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The server's side of one secure aggregation round: it accepts one masked share per participant, checking each
 * (participant, length, not twice), and finishes with the sum. Clients that sent no share are dropouts: each survivor
 * must reveal the seed it shares with each of them ({@link #recover}), and the server removes those masks. Once a
 * client's masks are revealed its share is refused, since it could then be unmasked. Not thread-safe.
 */
public final class SecureSum {
  private final Set<String> participants;
  private final int length;
  private final Map<String, long[]> shares = new HashMap<>();
  private final Map<String, Map<String, byte[]>> revealed = new HashMap<>(); // survivor -> dropped -> seed
  private boolean recovering;

  /** @param participants the clients that agreed on pairwise seeds for this round */
  public SecureSum(Set<String> participants, int length) {
    this.participants = new TreeSet<>(participants);
    this.length = length;
  }

  /**
   * Accepts {@code client}'s masked share.
   *
   * @throws IllegalArgumentException naming the client and the problem: not a participant, sent twice, wrong length,
   *     or sent after the recovery of dropouts began
   */
  public void accept(String client, long[] share) {
    if (!participants.contains(client)) {
      throw new IllegalArgumentException("masked share from '" + client + "', who is not a participant of this round "
          + participants);
    }
    if (recovering) {
      throw new IllegalArgumentException("masked share from '" + client + "' after dropout recovery began: refused, "
          + "since revealed seeds could unmask it");
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

  /** The clients with no share so far: the dropouts, once the deadline passed. */
  public List<String> missing() {
    return participants.stream().filter(c -> !shares.containsKey(c)).toList();
  }

  /** Starts dropout recovery: from now on no share is accepted. */
  public List<String> beginRecovery() {
    recovering = true;
    return missing();
  }

  /** {@code survivor} reveals the seeds it shares with dropped clients. */
  public void recover(String survivor, Map<String, byte[]> seedsWithDropped) {
    if (!recovering) {
      throw new IllegalStateException("recover() before beginRecovery()");
    }
    if (!shares.containsKey(survivor)) {
      throw new IllegalArgumentException("'" + survivor + "' sent no share, so it cannot take part in recovery");
    }
    for (String peer : seedsWithDropped.keySet()) {
      if (shares.containsKey(peer) || !participants.contains(peer)) {
        throw new IllegalArgumentException("'" + survivor + "' revealed its seed with '" + peer
            + "', who is not a dropout: refused (it would unmask that client's share)");
      }
    }
    revealed.computeIfAbsent(survivor, k -> new HashMap<>()).putAll(seedsWithDropped);
  }

  /**
   * The sum of the survivors' unmasked values, modulo 2^64.
   *
   * @throws IllegalStateException naming a survivor whose seed with a dropout is still missing
   */
  public long[] sum() {
    long[] total = new long[length];
    for (long[] s : shares.values()) {
      for (int i = 0; i < length; i++) {
        total[i] += s[i];
      }
    }
    for (String dropped : missing()) {
      for (String survivor : shares.keySet()) {
        byte[] seed = revealed.getOrDefault(survivor, Map.of()).get(dropped);
        if (seed == null) {
          throw new IllegalStateException("cannot finish: '" + survivor + "' has not revealed its seed with dropout '"
              + dropped + "'");
        }
        // The survivor applied +stream if it sorts before the dropout, -stream otherwise: take it back out.
        Masks.apply(total, Masks.stream(seed, length), survivor.compareTo(dropped) < 0 ? -1 : 1);
      }
    }
    return total;
  }

  /** The clients whose shares are in {@link #sum}, in id order. */
  public List<String> counted() {
    return participants.stream().filter(shares::containsKey).toList();
  }

  /** How many shares arrived. */
  public int received() {
    return shares.size();
  }

  @Override
  public String toString() {
    return "SecureSum[" + shares.keySet() + " of " + participants + ", length " + length + ", missing "
        + Arrays.toString(missing().toArray()) + "]";
  }
}
