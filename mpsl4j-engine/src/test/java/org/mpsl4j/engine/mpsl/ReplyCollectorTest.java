package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mpsl4j.core.port.Deadline;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.ErrorCode;
import org.mpsl4j.protocol.v1.NoData;
import org.mpsl4j.protocol.v1.ServerMessage;

/**
 * Waiting for a phase's replies on an injected clock: the collector blocks on the inbox until a reply,
 * a session's end or the deadline, and never polls. The clock here stands still or jumps, so whether
 * it waits for the deadline depends on that clock alone (the JUnit timeouts only guard against a hang).
 */
final class ReplyCollectorTest {
  private final BlockingQueue<Inbound> inbox = new LinkedBlockingQueue<>();
  private final Map<Long, Session> sessions = new ConcurrentHashMap<>();
  private final List<ServerMessage> sent = new CopyOnWriteArrayList<>();
  private final AtomicLong now = new AtomicLong();
  private final ReplyCollector collector = new ReplyCollector(inbox, sessions);

  private Session session(long id, String client) {
    Session s = new Session(id, client, List.of("image"), 10, 5, new Peer() {
      @Override
      public boolean send(ServerMessage m) {
        sent.add(m);
        return true;
      }

      @Override
      public void close() {}
    }, new Rejections(new ServerObservers()), () -> inbox.add(Inbound.wake(id)));
    sessions.put(id, s);
    return s;
  }

  private static ClientMessage noData(long session, long step) {
    return ClientMessage.newBuilder().setSessionId(session).setStep(step).setNoData(NoData.getDefaultInstance()).build();
  }

  @Test
  @Timeout(30)
  void sessionEnds_collectorStopsWaitingForIt_beforeTheDeadline() throws Exception {
    Session a = session(1, "a");
    Session b = session(2, "b");
    inbox.add(new Inbound(1, noData(1, 7)));
    a.reserve(noData(1, 7), 10, 1 << 20);
    Thread ender = new Thread(b::disconnect);
    ender.start();
    // The clock stands still: the deadline an hour away never passes, only b's end can release the wait.
    Map<Session, ClientMessage> replies = collector.collect(7, List.of(a, b), ClientMessage.BodyCase.ACTIVATIONS,
        Deadline.after(now::get, Duration.ofHours(1)), true);
    ender.join();
    assertThat(replies).containsOnlyKeys(a);
  }

  @Test
  @Timeout(30)
  void deadlinePassedOnTheInjectedClock_silentClientIsLeftOutWithDeadlineMissed() throws Exception {
    Session silent = session(1, "silent");
    Deadline deadline = Deadline.after(now::get, Duration.ofHours(1));
    now.addAndGet(Duration.ofHours(2).toNanos());
    Map<Session, ClientMessage> replies = collector.collect(3, List.of(silent), ClientMessage.BodyCase.ACTIVATIONS,
        deadline, true);
    assertThat(replies).isEmpty();
    assertThat(sent).singleElement().satisfies(m -> {
      assertThat(m.getError().getCode()).isEqualTo(ErrorCode.DEADLINE_MISSED);
      assertThat(m.getError().getMessage()).contains("within 3600000 ms");
    });
  }
}
