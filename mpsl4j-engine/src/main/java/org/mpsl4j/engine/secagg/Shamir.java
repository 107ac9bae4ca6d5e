package org.mpsl4j.engine.secagg;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Map;

/**
 * Shamir's t-of-n secret sharing of 32-byte secrets over the prime field of p = 2⁵²¹ − 1 (a Mersenne prime, so every
 * 256-bit secret is a field element): the secret is f(0) of a random polynomial of degree t − 1, party k gets f(k).
 * Any t shares give f(0) by Lagrange interpolation; t − 1 shares are consistent with every secret. Shares are
 * {@value #SHARE_BYTES} bytes, big-endian; a share's x is its holder's 1-based position among the round's parties,
 * so it is never sent. Written here because the one Maven Central implementation that fits (BouncyCastle's
 * {@code crypto.threshold}, since 1.80, an API that changed between releases) is not in the offline repository.
 */
public final class Shamir {
  /** 2⁵²¹ − 1. */
  public static final BigInteger PRIME = BigInteger.ONE.shiftLeft(521).subtract(BigInteger.ONE);
  public static final int SECRET_BYTES = 32;
  public static final int SHARE_BYTES = 66; // ⌈521 / 8⌉

  private Shamir() {}

  /**
   * {@code n} shares of {@code secret}, any {@code t} of which recover it; share k − 1 is for x = k.
   *
   * @throws IllegalArgumentException if the secret is not {@value #SECRET_BYTES} bytes or not 1 ≤ t ≤ n
   */
  public static byte[][] split(byte[] secret, int t, int n, SecureRandom random) {
    if (secret.length != SECRET_BYTES) {
      throw new IllegalArgumentException("a Shamir secret is " + SECRET_BYTES + " bytes, not " + secret.length);
    }
    if (t < 1 || t > n) {
      throw new IllegalArgumentException("threshold " + t + " is outside 1.." + n);
    }
    BigInteger[] coefficients = new BigInteger[t];
    coefficients[0] = new BigInteger(1, secret);
    for (int i = 1; i < t; i++) {
      coefficients[i] = new BigInteger(PRIME.bitLength() + 64, random).mod(PRIME);
    }
    byte[][] shares = new byte[n][];
    for (int k = 1; k <= n; k++) {
      BigInteger x = BigInteger.valueOf(k);
      BigInteger y = BigInteger.ZERO;
      for (int i = t - 1; i >= 0; i--) { // Horner
        y = y.multiply(x).add(coefficients[i]).mod(PRIME);
      }
      shares[k - 1] = encode(y);
    }
    return shares;
  }

  /**
   * The secret from shares by x; the caller checks that there are at least t of them (fewer give a wrong secret).
   *
   * @throws IllegalArgumentException if a share is malformed, or the shares do not interpolate to a 32-byte secret
   *     (they belong to different polynomials)
   */
  public static byte[] recover(Map<Integer, byte[]> sharesByX) {
    BigInteger secret = interpolateAt(BigInteger.ZERO, sharesByX);
    if (secret.bitLength() > SECRET_BYTES * 8) {
      throw new IllegalArgumentException("the " + sharesByX.size() + " shares do not interpolate to a "
          + SECRET_BYTES + "-byte secret: they are not shares of one secret");
    }
    byte[] raw = secret.toByteArray();
    byte[] out = new byte[SECRET_BYTES];
    int from = Math.max(0, raw.length - SECRET_BYTES);
    System.arraycopy(raw, from, out, SECRET_BYTES - (raw.length - from), raw.length - from);
    return out;
  }

  /** The polynomial through {@code sharesByX} evaluated at {@code x} (to check a further share against it). */
  public static byte[] evaluate(int x, Map<Integer, byte[]> sharesByX) {
    return encode(interpolateAt(BigInteger.valueOf(x), sharesByX));
  }

  private static BigInteger interpolateAt(BigInteger at, Map<Integer, byte[]> sharesByX) {
    if (sharesByX.isEmpty()) {
      throw new IllegalArgumentException("no shares to recover from");
    }
    BigInteger sum = BigInteger.ZERO;
    for (Map.Entry<Integer, byte[]> i : sharesByX.entrySet()) {
      BigInteger xi = BigInteger.valueOf(i.getKey());
      BigInteger num = BigInteger.ONE;
      BigInteger den = BigInteger.ONE;
      for (int j : sharesByX.keySet()) {
        if (j != i.getKey()) {
          BigInteger xj = BigInteger.valueOf(j);
          num = num.multiply(at.subtract(xj)).mod(PRIME);
          den = den.multiply(xi.subtract(xj)).mod(PRIME);
        }
      }
      sum = sum.add(decode(i.getKey(), i.getValue()).multiply(num).multiply(den.modInverse(PRIME))).mod(PRIME);
    }
    return sum;
  }

  private static byte[] encode(BigInteger y) {
    byte[] raw = y.toByteArray(); // y < p < 2^521: at most 66 bytes plus a sign byte
    byte[] out = new byte[SHARE_BYTES];
    int from = Math.max(0, raw.length - SHARE_BYTES);
    System.arraycopy(raw, from, out, SHARE_BYTES - (raw.length - from), raw.length - from);
    return out;
  }

  private static BigInteger decode(int x, byte[] share) {
    if (x < 1) {
      throw new IllegalArgumentException("a share's x must be at least 1, not " + x);
    }
    if (share == null || share.length != SHARE_BYTES) {
      throw new IllegalArgumentException("the share for x = " + x + " has " + (share == null ? 0 : share.length)
          + " bytes, not " + SHARE_BYTES);
    }
    BigInteger y = new BigInteger(1, share);
    if (y.compareTo(PRIME) >= 0) {
      throw new IllegalArgumentException("the share for x = " + x + " is not a field element (≥ 2^521 − 1)");
    }
    return y;
  }
}
