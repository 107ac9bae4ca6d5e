package org.mpsl4j.engine.secagg;

import java.security.PublicKey;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one client holds during one double-masking round: its key pairs, the parties and their keys, its self-mask
 * seed, the Shamir shares it holds of every party (its own included), whom it masked with and whether it revealed.
 */
final class SecAggRound {
  final long step;
  final boolean privateAverage;
  final PairwiseSeeds own;
  final ShareBoxes boxes;
  List<String> parties; // U1 in id order: a party's Shamir x is its position + 1
  Map<String, PublicKey> peerMaskKeys;
  Map<String, PublicKey> peerBoxKeys;
  int threshold;
  int length;
  byte[] selfSeed;
  Set<String> maskedWith; // U2 without this client: the senders of the boxes it opened
  boolean revealed;
  private final Map<String, byte[]> seedShares = new HashMap<>();
  private final Map<String, byte[]> keyShares = new HashMap<>();

  SecAggRound(long step, boolean privateAverage, PairwiseSeeds own, ShareBoxes boxes) {
    this.step = step;
    this.privateAverage = privateAverage;
    this.own = own;
    this.boxes = boxes;
  }

  void begin(List<String> parties, Map<String, PublicKey> maskKeys, Map<String, PublicKey> boxKeys, int threshold,
      int length, byte[] selfSeed) {
    this.parties = List.copyOf(parties);
    this.peerMaskKeys = Map.copyOf(maskKeys);
    this.peerBoxKeys = Map.copyOf(boxKeys);
    this.threshold = threshold;
    this.length = length;
    this.selfSeed = selfSeed;
  }

  /** Keeps this client's shares of {@code owner}'s self-mask seed and mask key. */
  void hold(String owner, byte[] seedShare, byte[] keyShare) {
    seedShares.put(owner, seedShare);
    keyShares.put(owner, keyShare);
  }

  byte[] seedShare(String owner) {
    return held(seedShares, owner);
  }

  byte[] keyShare(String owner) {
    return held(keyShares, owner);
  }

  private static byte[] held(Map<String, byte[]> shares, String owner) {
    byte[] share = shares.get(owner);
    if (share == null) {
      throw new IllegalArgumentException("this client holds no share of '" + owner + "'");
    }
    return share;
  }
}
