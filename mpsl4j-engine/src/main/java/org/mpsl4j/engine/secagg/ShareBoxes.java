package org.mpsl4j.engine.secagg;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * One client's boxes for a round: the Shamir shares it sends a peer through the server, encrypted so that only that
 * peer can read them. The key is SHA-256 of a label and the X25519 secret of the two box keys (a key pair apart from
 * the mask key, which is revealed when a client drops out); the cipher is AES-256-GCM with a random 12-byte nonce and
 * the step, sender and recipient as associated data, so a box cannot be replayed into another round or pair.
 */
public final class ShareBoxes {
  public static final int NONCE_BYTES = 12;
  public static final int TAG_BYTES = 16;
  private static final byte[] LABEL = "mpsl4j secagg box v1".getBytes(StandardCharsets.UTF_8);
  private final String clientId;
  private final KeyPair keys;
  private final SecureRandom random;

  public ShareBoxes(String clientId, SecureRandom random) {
    this.clientId = clientId;
    this.random = random;
    try {
      keys = KeyPairGenerator.getInstance("X25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("X25519 is missing from this JVM", e);
    }
  }

  public PublicKey publicKey() {
    return keys.getPublic();
  }

  /** The size of a box holding {@code plainBytes}. */
  public static int boxBytes(int plainBytes) {
    return NONCE_BYTES + plainBytes + TAG_BYTES;
  }

  /** {@code plain} sealed for {@code recipient} (box key {@code recipientKey}) in the round of {@code step}. */
  public byte[] seal(long step, String recipient, PublicKey recipientKey, byte[] plain) {
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      random.nextBytes(nonce);
      Cipher gcm = cipher(Cipher.ENCRYPT_MODE, recipientKey, nonce);
      gcm.updateAAD(associated(step, clientId, recipient));
      byte[] sealed = gcm.doFinal(plain);
      return ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot seal a box for '" + recipient + "': " + e.getMessage(), e);
    }
  }

  /**
   * The contents of the box {@code sender} (box key {@code senderKey}) sealed for this client at {@code step}.
   *
   * @throws IllegalArgumentException naming the sender if the box is too short or does not authenticate (altered,
   *     another round's, or sealed for someone else)
   */
  public byte[] open(long step, String sender, PublicKey senderKey, byte[] box) {
    if (box.length < NONCE_BYTES + TAG_BYTES) {
      throw new IllegalArgumentException("the box from '" + sender + "' has " + box.length + " bytes, fewer than a"
          + " nonce and a tag");
    }
    try {
      Cipher gcm = cipher(Cipher.DECRYPT_MODE, senderKey, Arrays.copyOf(box, NONCE_BYTES));
      gcm.updateAAD(associated(step, sender, clientId));
      return gcm.doFinal(box, NONCE_BYTES, box.length - NONCE_BYTES);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("the box from '" + sender + "' does not open (" + e.getClass().getSimpleName()
          + "): altered, of another round, or not sealed for this client", e);
    }
  }

  private Cipher cipher(int mode, PublicKey peer, byte[] nonce) throws GeneralSecurityException {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    sha.update(LABEL);
    sha.update(PairwiseSeeds.agree(keys.getPrivate(), peer));
    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(mode, new SecretKeySpec(sha.digest(), "AES"), new GCMParameterSpec(TAG_BYTES * 8, nonce));
    return gcm;
  }

  private static byte[] associated(long step, String sender, String recipient) {
    return (step + "\u0000" + sender + "\u0000" + recipient).getBytes(StandardCharsets.UTF_8);
  }
}
