package org.mpsl4j.engine.mpsl;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.mpsl4j.core.port.Deadline;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.ErrorCode;

/**
 * Waits for one message of a kind from each expected session of a phase, until all answered or the
 * deadline passed: it blocks on the server's inbox until a message or a session's end arrives (no
 * polling). A message of the same step that belongs to a later phase (a client may send its epoch-end
 * messages back to back) waits for that phase; everything else (another step, a repeat, a wrong type)
 * is answered with an Error and dropped. Used by the training thread only.
 */
final class ReplyCollector {
  /** Messages of one session for a later phase of the current step that may wait for that phase. */
  static final int MAX_DEFERRED_PER_SESSION = 8;
  private final BlockingQueue<Inbound> inbox;
  private final Map<Long, Session> sessions;
  /** Messages of the current step that arrived before their phase. */
  private final List<Inbound> deferred = new ArrayList<>();
  /** session/kind pairs already accepted in the current step: a repeat is a duplicate. */
  private final Set<String> consumed = new HashSet<>();
  private long currentStep = -1;

  ReplyCollector(BlockingQueue<Inbound> inbox, Map<Long, Session> sessions) {
    this.inbox = inbox;
    this.sessions = sessions;
  }

  /**
   * The replies of {@code kind} (or NoData where allowed) that arrived by {@code deadline}, by session, in the order
   * of {@code expected}.
   */
  Map<Session, ClientMessage> collect(long step, Collection<Session> expected, ClientMessage.BodyCase kind,
      Deadline deadline, boolean noDataAllowed) throws InterruptedException {
    if (step != currentStep) {
      currentStep = step;
      consumed.clear();
    }
    Map<Session, ClientMessage> replies = new LinkedHashMap<>();
    ArrayDeque<Inbound> earlier = new ArrayDeque<>(deferred);
    deferred.clear();
    Set<Session> expectedSet = new HashSet<>(expected);
    // Who may still answer is recounted when a session ends (its wake-up) and once per |expected|
    // messages, not per message: a per-message scan made each phase O(N²) at 1000 clients.
    int answerable = countAnswerable(expected, replies);
    int sinceRecount = 0;
    while (replies.size() < answerable) {
      Inbound in = earlier.poll();
      if (in == null) {
        long left = deadline.remainingNanos();
        if (left <= 0) {
          break;
        }
        in = inbox.poll(left, TimeUnit.NANOSECONDS);
        if (in == null) {
          break; // the deadline passed
        }
        if (in.isWake()) {
          answerable = countAnswerable(expected, replies);
          continue;
        }
        Session from = sessions.get(in.sessionId());
        if (from != null) {
          from.release(in.message());
        }
      }
      accept(in, step, expectedSet, kind, noDataAllowed, replies);
      if (++sinceRecount >= expected.size()) {
        answerable = countAnswerable(expected, replies);
        sinceRecount = 0;
      }
    }
    deferred.addAll(earlier);
    // In the order of expected (the roster's), not of arrival: what the caller adds up from them (gradients,
    // tokenizers) is then added in the same order in every run, so a seeded run repeats to the bit however its
    // clients' threads are scheduled (RepeatableRunTest). The replies are all held here anyway; this costs no memory.
    Map<Session, ClientMessage> inOrder = new LinkedHashMap<>();
    for (Session s : expected) {
      ClientMessage m = replies.get(s);
      if (m != null) {
        inOrder.put(s, m);
      } else if (s.connected()) {
        s.error(step, ErrorCode.DEADLINE_MISSED, "no " + kind + " for step " + step + " within "
            + deadline.length().toMillis() + " ms; left out of this step");
      }
    }
    return inOrder;
  }

  private void accept(Inbound in, long step, Set<Session> expected, ClientMessage.BodyCase kind, boolean noDataAllowed,
      Map<Session, ClientMessage> replies) {
    Session s = sessions.get(in.sessionId());
    ClientMessage m = in.message();
    if (s == null) {
      return;
    }
    boolean matches = m.getBodyCase() == kind || (noDataAllowed && m.hasNoData());
    if (m.getStep() != step) {
      s.error(step, ErrorCode.STALE_STEP, m.getBodyCase() + " for step " + m.getStep() + " arrived during step " + step
          + "; ignored");
    } else if (matches) {
      String key = s.id + "/" + kind;
      if (consumed.contains(key) || replies.containsKey(s)) {
        s.error(step, ErrorCode.STALE_STEP, "duplicate " + m.getBodyCase() + " for step " + step + "; the first one counts");
      } else if (!expected.contains(s)) {
        s.error(step, ErrorCode.UNEXPECTED_MESSAGE, "client '" + s.clientId + "' is not part of this phase of step " + step);
      } else {
        consumed.add(key);
        replies.put(s, m);
      }
    } else if (!m.hasNoData() && consumed.contains(s.id + "/" + m.getBodyCase())) {
      s.error(step, ErrorCode.STALE_STEP, "duplicate " + m.getBodyCase() + " for step " + step + "; the first one counts");
    } else if (deferredOf(s) >= MAX_DEFERRED_PER_SESSION) {
      s.error(step, ErrorCode.UNEXPECTED_MESSAGE, m.getBodyCase() + " for step " + step + " is ahead of the step's"
          + " phase and " + MAX_DEFERRED_PER_SESSION + " such messages already wait; dropped");
    } else {
      deferred.add(in); // possibly a later phase of this step; rejected as stale once the step moves on
    }
  }

  private int deferredOf(Session s) {
    int n = 0;
    for (Inbound in : deferred) {
      if (in.sessionId() == s.id) {
        n++;
      }
    }
    return n;
  }

  /** Sessions that may still answer: connected ones, and those that already did. */
  private static int countAnswerable(Collection<Session> expected, Map<Session, ClientMessage> replies) {
    int n = 0;
    for (Session s : expected) {
      if (s.connected() || replies.containsKey(s)) {
        n++;
      }
    }
    return n;
  }
}
