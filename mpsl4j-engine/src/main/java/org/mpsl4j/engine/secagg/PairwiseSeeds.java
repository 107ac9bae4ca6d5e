package org.mpsl4j.engine.secagg;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.XECPrivateKey;
import java.security.interfaces.XECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;
import javax.crypto.KeyAgreement;

/**
 * One client's X25519 key pair and the seeds it shares with each peer: SHA-256 of the Diffie–Hellman secret and both
 * ids (in order), so the two ends of a pair derive the same 32 bytes and nobody else can. Under double masking the
 * private key is Shamir-shared ({@link #privateScalar}), so that the server can rebuild a dropout's seeds
 * ({@link #seed(PrivateKey, String, String, PublicKey)}) from t shares.
 */
public final class PairwiseSeeds {
  private static final BigInteger BASE_POINT = BigInteger.valueOf(9);
  private final String clientId;
  private final KeyPair keys;

  public PairwiseSeeds(String clientId) {
    this.clientId = clientId;
    try {
      keys = KeyPairGenerator.getInstance("X25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("X25519 is missing from this JVM", e);
    }
  }

  public String clientId() {
    return clientId;
  }

  /** What this client publishes (through the server) for its peers. */
  public PublicKey publicKey() {
    return keys.getPublic();
  }

  /** The private key's 32 bytes, to be secret-shared. */
  public byte[] privateScalar() {
    return ((XECPrivateKey) keys.getPrivate()).getScalar()
        .orElseThrow(() -> new IllegalStateException("this JVM's X25519 key does not expose its scalar"));
  }

  /** The seed this client shares with {@code peerId}, whose public key is {@code peerKey}. */
  public byte[] seedWith(String peerId, PublicKey peerKey) {
    return seed(keys.getPrivate(), clientId, peerId, peerKey);
  }

  /** The seed of {@code selfId} (holding {@code own}) with {@code peerId}: what either end of the pair derives. */
  public static byte[] seed(PrivateKey own, String selfId, String peerId, PublicKey peerKey) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(agree(own, peerKey));
      String first = selfId.compareTo(peerId) < 0 ? selfId : peerId;
      String second = first.equals(selfId) ? peerId : selfId;
      sha.update((first + "\u0000" + second).getBytes(StandardCharsets.UTF_8));
      return sha.digest();
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot agree on a seed with '" + peerId + "': " + e.getMessage(), e);
    }
  }

  /** The X25519 shared secret of {@code own} and {@code peer}. */
  static byte[] agree(PrivateKey own, PublicKey peer) throws GeneralSecurityException {
    KeyAgreement ka = KeyAgreement.getInstance("X25519");
    ka.init(own);
    ka.doPhase(peer, true);
    return ka.generateSecret();
  }

  /**
   * The private key of a 32-byte scalar (one rebuilt from shares), checked against the party's published key.
   *
   * @throws IllegalArgumentException naming {@code party} if the scalar's public key is not {@code published}
   */
  public static PrivateKey privateKey(String party, byte[] scalar, PublicKey published) {
    try {
      PrivateKey key = KeyFactory.getInstance("X25519")
          .generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar));
      // scalar · base point is the public key's u-coordinate (little-endian), which is what X25519 agreement with
      // the base point returns.
      PublicKey base = KeyFactory.getInstance("X25519")
          .generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, BASE_POINT));
      byte[] u = agree(key, base);
      byte[] expected = littleEndian(((XECPublicKey) published).getU(), u.length);
      if (!Arrays.equals(u, expected)) {
        throw new IllegalArgumentException("the mask key rebuilt from shares of '" + party + "' does not match its"
            + " published public key: a share is wrong");
      }
      return key;
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new IllegalArgumentException("the mask key rebuilt for '" + party + "' is not an X25519 key: "
          + e.getMessage(), e);
    }
  }

  private static byte[] littleEndian(BigInteger u, int length) {
    byte[] big = u.toByteArray();
    byte[] out = new byte[length];
    for (int i = 0; i < length && i < big.length; i++) {
      out[i] = big[big.length - 1 - i];
    }
    return out;
  }
}
