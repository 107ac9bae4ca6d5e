package org.mpsl4j.engine.secagg;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import javax.crypto.KeyAgreement;

/**
 * One client's X25519 key pair and the seeds it shares with each peer: SHA-256 of the Diffie–Hellman secret and both
 * ids (in order), so the two ends of a pair derive the same 32 bytes and nobody else can.
 */
public final class PairwiseSeeds {
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

  /** The seed this client shares with {@code peerId}, whose public key is {@code peerKey}. */
  public byte[] seedWith(String peerId, PublicKey peerKey) {
    try {
      KeyAgreement ka = KeyAgreement.getInstance("X25519");
      ka.init(keys.getPrivate());
      ka.doPhase(peerKey, true);
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(ka.generateSecret());
      String first = clientId.compareTo(peerId) < 0 ? clientId : peerId;
      String second = first.equals(clientId) ? peerId : clientId;
      sha.update((first + "\u0000" + second).getBytes(StandardCharsets.UTF_8));
      return sha.digest();
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot agree on a seed with '" + peerId + "': " + e.getMessage(), e);
    }
  }
}
