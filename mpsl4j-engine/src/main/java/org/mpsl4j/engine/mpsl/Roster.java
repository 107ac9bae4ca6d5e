package org.mpsl4j.engine.mpsl;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.mpsl4j.core.data.EpochOrder;
import org.mpsl4j.core.data.SpreadBatches;

/**
 * The server's view of who takes part: the connected sessions in a stable order, waiting for the expected clients at
 * the start, and how many steps an epoch needs for their shares. Kept apart from {@link MpslServer} so that the
 * training loop reads as the method, and membership rules have one place.
 */
final class Roster {
  private final Map<Long, Session> sessions;
  private final Admission admission;
  private final ServerConfig config;
  /** Spread batches ({@link SpreadBatches}): the server batch B of T = ⌈n/B⌉; 0 for fixed client batches. */
  private volatile int spreadServerBatch;

  Roster(Map<Long, Session> sessions, Admission admission, ServerConfig config) {
    this.sessions = sessions;
    this.admission = admission;
    this.config = config;
  }

  /**
   * The connected sessions, by client id, not by session id: a client that reconnects gets a new session id, and the
   * order of the concatenated batch must not depend on who came back first (resumed runs repeat the original).
   */
  List<Session> connected() {
    List<Session> out = new ArrayList<>();
    for (Session s : sessions.values()) {
      if (s.connected()) {
        out.add(s);
      }
    }
    out.sort(Comparator.comparing((Session x) -> x.clientId).thenComparingLong(x -> x.id));
    return out;
  }

  /** The connected sessions of {@code clients}, in the order of {@link #connected}. */
  List<Session> sessionsOf(List<String> clients) {
    Set<String> ids = new HashSet<>(clients);
    return connected().stream().filter(s -> ids.contains(s.clientId)).toList();
  }

  /**
   * Waits until the expected clients joined, or until the join timeout; then starts with those present if they are at
   * least {@code --min-clients} (the others may join later).
   *
   * @throws IllegalStateException if fewer than the minimum joined in time
   */
  void awaitClients() throws InterruptedException {
    long deadline = System.nanoTime() + config.joinTimeout().toNanos();
    synchronized (admission.joinLock) {
      while (connected().size() < config.expectedClients()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          int joined = connected().size();
          if (joined >= config.minClients()) {
            System.err.println("mpsl4j server: " + joined + " of " + config.expectedClients() + " clients joined within "
                + config.joinTimeout().toSeconds() + " s; starting with them (--min-clients " + config.minClients()
                + "); the others may join later");
            return;
          }
          throw new IllegalStateException(joined + " of " + config.expectedClients() + " clients joined within "
              + config.joinTimeout().toSeconds() + " s (at least " + config.minClients() + " needed; see --min-clients"
              + " and --join-timeout-s)");
        }
        TimeUnit.NANOSECONDS.timedWait(admission.joinLock, left);
      }
    }
  }

  /**
   * Training steps per epoch: enough for every client's share. Where the server knows the run's partition
   * ({@link MpslServer#expectTrainSamples}) that includes clients that have not joined yet, so that one joining late
   * ({@code --min-clients}) reaches the end of its data; a client not yet joined is counted with the smallest batch of
   * those connected (the longest epoch it could need). Otherwise it is the clients connected now, and
   * {@link Admission} refuses a later one whose share would not fit.
   */
  int epochLength() {
    return Math.max(fixedBatchSteps(), spreadSteps());
  }

  /** Spread batches: every client's data is sliced over T = ⌈n/B⌉ steps (the clients learn T from the Welcome). */
  void spreadBatches(int serverBatch) {
    if (serverBatch < 1) {
      throw new IllegalArgumentException("spread batches need a server batch >= 1 but got " + serverBatch);
    }
    spreadServerBatch = serverBatch;
  }

  /** Whether this run spreads every client's data over the epoch (Welcome.spread_batches). */
  boolean spreads() {
    return spreadServerBatch > 0;
  }

  /**
   * T = ⌈n/B⌉ with spread batches, else 0; n is the run's partition where the server knows it, so a client joining
   * late still finds its share in the epoch, else the connected clients' declared shares.
   */
  private int spreadSteps() {
    if (spreadServerBatch == 0) {
      return 0;
    }
    long samples = 0;
    if (admission.expectedSamples().isEmpty()) {
      for (Session s : connected()) {
        samples += s.trainSamples;
      }
    } else {
      for (int n : admission.expectedSamples().values()) {
        samples += n;
      }
    }
    return SpreadBatches.stepsPerEpoch(samples, spreadServerBatch);
  }

  /** Steps for every client's share in its declared batch size. */
  private int fixedBatchSteps() {
    int steps = 0;
    int smallestBatch = Integer.MAX_VALUE;
    Set<String> joined = new HashSet<>();
    for (Session s : connected()) {
      steps = Math.max(steps, s.stepsPerEpoch());
      smallestBatch = Math.min(smallestBatch, s.batchSize);
      joined.add(s.clientId);
    }
    for (Map.Entry<String, Integer> e : admission.expectedSamples().entrySet()) {
      if (!joined.contains(e.getKey())) {
        steps = Math.max(steps, EpochOrder.steps(e.getValue(), smallestBatch == Integer.MAX_VALUE ? 1 : smallestBatch));
      }
    }
    return steps;
  }
}
