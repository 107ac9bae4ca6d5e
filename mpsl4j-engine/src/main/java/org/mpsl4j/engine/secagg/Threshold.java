package org.mpsl4j.engine.secagg;

/**
 * The Shamir threshold t of a double-masking round of n parties: how many shares rebuild a client's self-mask seed
 * or mask key. A client reveals, for each other party, one kind of share only, so as long as t > n/2 a server that
 * tells some clients that u dropped and others that u survived cannot gather t shares of both kinds for u. t ≤ n, or
 * no secret could be rebuilt at all; with t = n no dropout can be recovered.
 */
public final class Threshold {
  private Threshold() {}

  /** ⌊2n/3⌋ + 1 (Bonawitz et al.'s choice): 3 parties need all 3, 10 parties survive 3 dropouts. */
  public static int defaultFor(int parties) {
    return 2 * parties / 3 + 1;
  }

  /** Why {@code t} cannot be the threshold of {@code parties} parties, or null if it can. */
  public static String problem(int t, int parties) {
    if (t > parties) {
      return "threshold " + t + " exceeds the round's " + parties + " parties: no secret could be rebuilt";
    }
    if (2 * t <= parties) {
      return "threshold " + t + " is at most half of the round's " + parties + " parties: a server that lies about"
          + " who dropped could gather both shares of a client and unmask it (t > n/2 is needed)";
    }
    return null;
  }
}
