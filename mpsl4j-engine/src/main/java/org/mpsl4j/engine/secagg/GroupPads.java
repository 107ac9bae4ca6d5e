package org.mpsl4j.engine.secagg;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Collection;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Pads that only the clients can take off a secure sum: each client adds to its masked share a pad drawn from a
 * secret the clients share and the server does not (derived from {@code --client-seed}), the epoch end's step and
 * its own id. The server adds the shares as always and gets Σ xᵢ + Σ padᵢ over the counted clients; any client of
 * the group regenerates those pads and subtracts them. Pads live in the same ring (int64 modulo 2⁶⁴) as the pairwise
 * masks, so they cancel exactly.
 *
 * <p>Key derivation: the group key is SHA-256 of a fixed label and the seed; a pad is the AES-256-CTR keystream
 * ({@link Masks#stream}) of HMAC-SHA256(group key, label ‖ step ‖ client id), fresh for every round and client. The
 * pads are as strong as the shared seed: a 64-bit {@code --client-seed} is a weak secret against a server that
 * searches seeds (docs/PRIVACY.md). Immutable and thread-safe.
 */
public final class GroupPads {
  private static final byte[] KEY_LABEL = "mpsl4j group pad key v1".getBytes(StandardCharsets.UTF_8);
  private static final byte[] PAD_LABEL = "mpsl4j group pad v1".getBytes(StandardCharsets.UTF_8);
  private static final byte[] GRADIENT_PAD_LABEL = "mpsl4j group gradient pad v1".getBytes(StandardCharsets.UTF_8);
  private final byte[] groupKey;
  private final byte[] label;

  private GroupPads(byte[] groupKey, byte[] label) {
    this.groupKey = groupKey;
    this.label = label;
  }

  /**
   * The same group's pads for a private shared tokenizer's gradients ({@link PaddedGradients}): drawn under another
   * label, so that no step number can give an epoch-end share and a step's gradient one pad (two messages under one
   * pad would let the server subtract it away).
   */
  public GroupPads forGradients() {
    return new GroupPads(groupKey, GRADIENT_PAD_LABEL);
  }

  /** The pads of the group that shares {@code clientSeed}. */
  public static GroupPads fromClientSeed(long clientSeed) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(KEY_LABEL);
      sha.update(ByteBuffer.allocate(Long.BYTES).putLong(clientSeed).array());
      return new GroupPads(sha.digest(), PAD_LABEL);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** {@code clientId}'s pad of the round at {@code step}, {@code length} values. */
  public long[] pad(long step, String clientId, int length) {
    return Masks.stream(padKey(step, clientId), length);
  }

  /** {@code values} + this client's pad, modulo 2⁶⁴ (in place). */
  void add(long[] values, long step, String clientId) {
    Masks.apply(values, pad(step, clientId, values.length), 1);
  }

  /**
   * The sum without the pads of {@code counted} (the clients whose shares are in it).
   *
   * @throws IllegalArgumentException if a client is named twice
   */
  public long[] remove(long[] paddedSum, long step, Collection<String> counted) {
    if (Set.copyOf(counted).size() != counted.size()) {
      throw new IllegalArgumentException("the counted clients " + counted + " name a client twice");
    }
    long[] out = paddedSum.clone();
    for (String id : counted) {
      Masks.apply(out, pad(step, id, out.length), -1);
    }
    return out;
  }

  private byte[] padKey(long step, String clientId) {
    try {
      Mac hmac = Mac.getInstance("HmacSHA256");
      hmac.init(new SecretKeySpec(groupKey, "HmacSHA256"));
      hmac.update(label);
      hmac.update(ByteBuffer.allocate(Long.BYTES).putLong(step).array());
      hmac.update(clientId.getBytes(StandardCharsets.UTF_8));
      return hmac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is missing from this JVM", e);
    }
  }
}
