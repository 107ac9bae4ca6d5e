package org.mpsl4j.engine.mpsl;

import java.util.concurrent.atomic.AtomicBoolean;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.ErrorCode;

/**
 * One client stream as the server sees it: first a stream that must say Hello, then the session the
 * Hello opened. A transport calls {@link #receive} for every inbound message and {@link
 * #disconnected} when the stream ends. Never throws: bad input is answered with an Error.
 *
 * <p>Before a session exists, anything but a Hello is refused ({@code UNAUTHENTICATED}) and the
 * stream is closed, as is a stream whose Hello is refused. Inside a session, a message for another
 * session, a second Hello or a message type MPSL does not use is refused; everything else goes to
 * the training thread, which checks its step, type and tensors.
 */
public final class SessionStream {
  private final Admission admission;
  private final Peer peer;
  private final String certifiedId;
  private final AtomicBoolean settled = new AtomicBoolean();
  private volatile Session session;
  private volatile boolean closed;
  private volatile java.util.concurrent.Future<?> helloDeadline;

  SessionStream(Admission admission, Peer peer, String certifiedId) {
    this.admission = admission;
    this.peer = peer;
    this.certifiedId = certifiedId;
  }

  public void receive(ClientMessage m) {
    if (closed) {
      return;
    }
    Session s = session;
    if (s == null) {
      synchronized (this) {
        if (session != null || closed) {
          receive(m);
          return;
        }
        if (!m.hasHello()) {
          refuse(ErrorCode.UNAUTHENTICATED, "no session: the first message of a stream must be Hello");
          return;
        }
        session = admission.admit(peer, m.getHello(), certifiedId);
        settle();
        if (session == null) {
          close();
        }
      }
      return;
    }
    s.received(m);
    if (m.getSessionId() != s.id) {
      s.error(m.getStep(), ErrorCode.UNEXPECTED_MESSAGE,
          "message carries session " + m.getSessionId() + " but this stream is session " + s.id);
      return;
    }
    switch (m.getBodyCase()) {
      case ACTIVATIONS, NO_DATA, OUTPUT_GRAD, TOKENIZER_WEIGHTS, EVAL_ACTIVATIONS, EVAL_REPORT, SECAGG_KEY, SECAGG_SHARE,
          SECAGG_SEEDS, SECAGG_BOXES -> {
        if (!admission.enqueue(s, m)) {
          s.error(m.getStep(), ErrorCode.UNEXPECTED_MESSAGE, "more than " + Admission.MAX_QUEUED_MESSAGES
              + " messages (or their bytes) are already waiting for the server; this one is dropped");
        }
      }
      case HELLO -> s.error(m.getStep(), ErrorCode.UNEXPECTED_MESSAGE, "this stream already has session " + s.id);
      default -> s.error(m.getStep(), ErrorCode.UNEXPECTED_MESSAGE,
          "message type " + m.getBodyCase() + " is not part of the MPSL protocol");
    }
  }

  public void disconnected() {
    disconnected("its stream ended");
  }

  /** The stream ended; {@code reason} says how, as the transport saw it (for the server's observers). */
  public void disconnected(String reason) {
    closed = true;
    settle();
    Session s = session;
    if (s != null) {
      boolean wasConnected = s.connected();
      s.disconnect();
      if (wasConnected) {
        admission.ended(s, reason);
      }
    }
  }

  /** True while the stream is open and has not said Hello. */
  boolean awaitingHello() {
    return !settled.get() && !closed;
  }

  /** Refuses this stream before it has a session: an Error, then the stream is closed. */
  synchronized void refuse(ErrorCode code, String message) {
    if (closed || session != null) {
      return;
    }
    admission.refuse(peer, 0, code, message);
    settle();
    close();
  }

  private void close() {
    closed = true;
    peer.close();
  }

  void helloDeadline(java.util.concurrent.Future<?> deadline) {
    helloDeadline = deadline;
    if (settled.get()) {
      deadline.cancel(false);
    }
  }

  private void settle() {
    if (settled.compareAndSet(false, true)) {
      admission.streamSettled();
      java.util.concurrent.Future<?> d = helloDeadline;
      if (d != null) {
        d.cancel(false);
      }
    }
  }
}
