package org.mpsl4j.engine.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Shamir's t-of-n sharing of 32-byte secrets: any t shares rebuild the secret, t − 1 do not, bad shares are named. */
final class ShamirTest {
  private final SecureRandom random = new SecureRandom(new byte[] {1});
  private final byte[] secret = new byte[Shamir.SECRET_BYTES];

  ShamirTest() {
    random.nextBytes(secret);
    secret[0] = (byte) 0xff; // a top byte with its high bit set: the secret must not be read as negative
  }

  @Test
  void prime_isPrimeAndAboveEverySecret() {
    assertThat(Shamir.PRIME.isProbablePrime(64)).isTrue();
    assertThat(Shamir.PRIME.bitLength()).isGreaterThan(Shamir.SECRET_BYTES * 8);
  }

  @Test
  void anyTShares_recoverTheSecret() {
    byte[][] shares = Shamir.split(secret, 3, 5, random);
    int[][] subsets = {{1, 2, 3}, {1, 3, 5}, {2, 4, 5}, {3, 4, 5}, {1, 2, 3, 4, 5}};
    for (int[] xs : subsets) {
      Map<Integer, byte[]> byX = new TreeMap<>();
      for (int x : xs) {
        byX.put(x, shares[x - 1]);
      }
      assertThat(Shamir.recover(byX)).as("from x = %s", java.util.Arrays.toString(xs)).isEqualTo(secret);
    }
  }

  @Test
  void fewerThanTShares_giveAWrongSecret() {
    byte[][] shares = Shamir.split(secret, 3, 5, random);
    Map<Integer, byte[]> two = new TreeMap<>(Map.of(1, shares[0], 4, shares[3]));
    byte[] guess;
    try {
      guess = Shamir.recover(two);
    } catch (IllegalArgumentException e) {
      return; // the interpolation is no 32-byte value at all: also nothing learned
    }
    assertThat(guess).isNotEqualTo(secret);
  }

  @Test
  void aShareOffThePolynomial_isCaughtByEvaluatingTheOthers() {
    byte[][] shares = Shamir.split(secret, 2, 3, random);
    Map<Integer, byte[]> first = Map.of(1, shares[0], 2, shares[1]);
    assertThat(Shamir.evaluate(3, first)).isEqualTo(shares[2]);
    byte[] altered = shares[2].clone();
    altered[65] ^= 1;
    assertThat(Shamir.evaluate(3, first)).isNotEqualTo(altered);
  }

  @Test
  void malformedShares_andBadArguments_areRefusedWithTheReason() {
    assertThatThrownBy(() -> Shamir.recover(Map.of(1, new byte[5])))
        .hasMessage("the share for x = 1 has 5 bytes, not 66");
    byte[] tooBig = new byte[Shamir.SHARE_BYTES];
    java.util.Arrays.fill(tooBig, (byte) 0xff);
    assertThatThrownBy(() -> Shamir.recover(Map.of(1, tooBig))).hasMessageContaining("not a field element");
    assertThatThrownBy(() -> Shamir.split(new byte[31], 2, 3, random)).hasMessage("a Shamir secret is 32 bytes, not 31");
    assertThatThrownBy(() -> Shamir.split(secret, 4, 3, random)).hasMessage("threshold 4 is outside 1..3");
    assertThatThrownBy(() -> Shamir.recover(Map.of())).hasMessage("no shares to recover from");
  }
}
