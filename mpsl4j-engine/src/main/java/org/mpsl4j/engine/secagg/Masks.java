package org.mpsl4j.engine.secagg;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Pairwise masks: the AES-256-CTR keystream of a pair's seed, read as 64-bit integers. Client i adds the stream it
 * shares with every peer j > i and subtracts the one with every j < i (ids in string order), so over all clients
 * each stream is added once and subtracted once, and the sum is the sum of the unmasked values, modulo 2^64.
 */
public final class Masks {
  private Masks() {}

  /** The keystream of {@code seed} as {@code length} longs. */
  public static long[] stream(byte[] seed, int length) {
    try {
      Cipher aes = Cipher.getInstance("AES/CTR/NoPadding");
      aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(seed, "AES"), new IvParameterSpec(new byte[16]));
      byte[] bytes = aes.doFinal(new byte[length * Long.BYTES]);
      long[] out = new long[length];
      ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-CTR is missing from this JVM", e);
    }
  }

  /** {@code values} masked by client {@code self} with its seeds by peer id. */
  public static long[] mask(String self, long[] values, Map<String, byte[]> seedsByPeer) {
    long[] out = Arrays.copyOf(values, values.length);
    seedsByPeer.forEach((peer, seed) -> apply(out, stream(seed, values.length), self.compareTo(peer) < 0 ? 1 : -1));
    return out;
  }

  /** out += sign · stream, modulo 2^64. */
  public static void apply(long[] out, long[] stream, int sign) {
    for (int i = 0; i < out.length; i++) {
      out[i] += sign * stream[i];
    }
  }
}
