package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.mpsl4j.core.port.Deadline;
import org.mpsl4j.core.port.Ticker;

/**
 * The epoch end's average of the clients' tokenizers (and trained client heads) into the global ones: gathered in the
 * clear ({@code TokenizerWeights}, {@link TokenizerAverage#update}), or with secure aggregation ({@link
 * SecureAggregation}), where the server learns only the weighted sum, or as a private average, where it learns
 * neither and sends the padded sum back for the clients to decode (the global tokenizers then stay as they were).
 * Used by the training thread only.
 */
final class EpochEndAverage {
  private final TokenizerAverage average;
  private final StepPhases phases;
  private final ReplyCollector collector;
  private final Map<String, Shape> shapes;
  private SecureAggregation secure;
  private int secAggThreshold; // 0: the default of each round's party count

  EpochEndAverage(TokenizerAverage average, StepPhases phases, ReplyCollector collector, Map<String, Shape> shapes) {
    this.average = average;
    this.phases = phases;
    this.collector = collector;
    this.shapes = shapes;
  }

  /**
   * From now on the average is securely aggregated.
   *
   * @throws IllegalStateException if {@code policy} synchronizes within epochs (those uploads would be in the clear)
   */
  void useSecureAggregation(TokenizerPolicy policy) {
    check(policy, true, false);
    secure = new SecureAggregation(collector, shapes, false, secAggThreshold);
  }

  /**
   * From now on the average is securely aggregated with the clients' group pads, so that only they can decode it.
   *
   * @throws IllegalStateException as {@link #useSecureAggregation}
   */
  void usePrivateAverage(TokenizerPolicy policy) {
    check(policy, true, true);
    secure = new SecureAggregation(collector, shapes, true, secAggThreshold);
  }

  /** Shamir's t for secure aggregation rounds, instead of ⌊2n/3⌋ + 1 of the round's n parties. */
  void secAggThreshold(int t) {
    secAggThreshold = t;
    if (secure != null) {
      secure.threshold(t);
    }
  }

  /** Whether only the clients can decode the average (the server's global tokenizers are then not updated). */
  boolean privateAverage() {
    return secure != null && secure.privateAverage();
  }

  /** @throws IllegalStateException if {@code policy} cannot go with how the average is taken */
  void check(TokenizerPolicy policy) {
    check(policy, secure != null, privateAverage());
  }

  private static void check(TokenizerPolicy policy, boolean secure, boolean privately) {
    if (secure && policy.syncEvery() > 0 && policy.syncEvery() != TokenizerPolicy.EPOCH) {
      throw new IllegalStateException("secure aggregation covers the epoch-end average only; --tokenizer-sync "
          + policy.syncEvery() + " would upload tokenizers in the clear within epochs (use epoch or never)");
    }
    if (secure && !privately && policy.sharedGradients()) {
      // the private mode pads every step's gradients instead (SharedTokenizerStep.usePrivateSum)
      throw new IllegalStateException("secure aggregation covers the epoch-end average only; --tokenizer-sync "
          + TokenizerPolicy.GRADIENTS + " would upload tokenizer gradients in the clear at every step (with "
          + "--private-average instead, each step's gradients are padded and the tokenizer stays on the clients; with "
          + "--tokenizer-sync epoch or never each client keeps its own tokenizers, whose average is taken securely)");
    }
  }

  boolean secure() {
    return secure != null;
  }

  /** Why secure-aggregation rounds ended without a new average (empty when all finished or it is off). */
  List<String> notes() {
    return secure == null ? List.of() : secure.notes();
  }

  /**
   * Takes the average of what {@code participants} (sent EpochEnd at {@code step}) upload within {@code deadline} per
   * phase; keeps the previous one if nothing usable came. With a private average the padded sum goes back to
   * {@code participants} instead, and {@code replace} tells them to continue from the average.
   */
  void gather(long step, List<Session> participants, Duration deadline, NDManager manager, boolean replace)
      throws InterruptedException {
    if (privateAverage()) {
      SecureAggregation.Round r = secure.round(step, participants, () -> Deadline.after(Ticker.system(), deadline));
      if (r != null) {
        secure.sendBack(step, r, participants, replace);
      }
      return;
    }
    if (secure != null) {
      Map<String, float[]> values = secure.average(step, participants, () -> Deadline.after(Ticker.system(), deadline));
      if (values != null) {
        average.set(values);
      }
      return;
    }
    try (NDManager scope = manager.newSubManager()) {
      TokenizerAverage.Sum sum = average.begin(scope);
      phases.gatherTokenizerWeights(step, participants, scope, Deadline.after(Ticker.system(), deadline), sum::add);
      sum.finish();
    }
  }
}
