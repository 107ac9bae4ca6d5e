package org.mpsl4j.engine.baselines;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.Hello;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.Welcome;

/**
 * The server's side of a baseline run's transport, after Flower's {@code Grid}: it knows the joined
 * clients, sends them {@code mpsl.proto} messages and collects one reply per client within a
 * deadline. Strategies do all their I/O through it and never see gRPC.
 *
 * <p>Every message is stamped with the client's session id and a step number; a reply for another
 * step or of an unexpected kind is dropped (and counted in {@link #dropped()}), never applied. Bytes
 * are counted here from serialized messages in both directions, as the MPSL server counts them.
 *
 * <p>Subclasses carry the messages: {@link GrpcGrid} over gRPC's in-process transport, {@link DirectGrid}
 * by calling the clients directly (tests). Thread-safety: one strategy thread sends and collects;
 * transports may deliver replies from other threads.
 */
public abstract class Grid implements AutoCloseable {
  private final Map<String, Mailbox> boxes = new LinkedHashMap<>();
  private final AtomicLong dropped = new AtomicLong();
  private long nextSession = 1;
  private long step;

  /** One joined client: identity, declared sample count, inbox and byte counters. */
  protected static final class Mailbox {
    final String clientId;
    final long sessionId;
    final int trainSamples;
    final BlockingQueue<ClientMessage> inbox = new LinkedBlockingQueue<>();
    final AtomicLong bytesUp = new AtomicLong();
    final AtomicLong bytesDown = new AtomicLong();

    Mailbox(String clientId, long sessionId, int trainSamples) {
      this.clientId = clientId;
      this.sessionId = sessionId;
      this.trainSamples = trainSamples;
    }
  }

  /** Admits a client from its Hello and returns its mailbox; the Welcome to send carries the session id. */
  protected final synchronized Mailbox register(ClientMessage helloMessage) {
    Hello h = helloMessage.getHello();
    if (h.getClientId().isBlank() || boxes.containsKey(h.getClientId())) {
      throw new IllegalStateException("bad or duplicate client id '" + h.getClientId() + "' in Hello");
    }
    if (h.getTrainSamples() < 1) {
      throw new IllegalStateException("client '" + h.getClientId() + "' declares no training samples");
    }
    Mailbox box = new Mailbox(h.getClientId(), nextSession++, h.getTrainSamples());
    box.bytesUp.addAndGet(helloMessage.getSerializedSize());
    boxes.put(box.clientId, box);
    notifyAll();
    return box;
  }

  protected static ServerMessage welcome(Mailbox box) {
    return ServerMessage.newBuilder().setSessionId(box.sessionId).setWelcome(Welcome.getDefaultInstance()).build();
  }

  /** Counts and queues a client message; one that names another session is dropped. */
  protected final void received(Mailbox box, ClientMessage m) {
    box.bytesUp.addAndGet(m.getSerializedSize());
    if (m.getSessionId() != box.sessionId) {
      dropped.incrementAndGet();
      return;
    }
    box.inbox.add(m);
  }

  /** Waits until {@code n} clients have joined. */
  protected final synchronized void awaitClients(int n, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (boxes.size() < n) {
      long left = end - System.nanoTime();
      if (left <= 0) {
        throw new IllegalStateException(boxes.size() + " of " + n + " clients joined within " + timeout.toSeconds() + " s");
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  /** Carries one message to a client; false if it cannot be delivered. */
  protected abstract boolean deliver(Mailbox box, ServerMessage m);

  /**
   * Client ids in sorted order. Not join order: clients join concurrently, and a method that visits
   * clients in sequence (SplitFed v2, sequential SL) must see the same order in every run with a seed.
   */
  public final synchronized List<String> clients() {
    List<String> ids = new ArrayList<>(boxes.keySet());
    java.util.Collections.sort(ids);
    return ids;
  }

  /** The training-set size the client declared in its Hello (its FedAvg weight). */
  public final synchronized int trainSamples(String client) {
    return box(client).trainSamples;
  }

  /** A fresh step number for one exchange; replies must carry it. */
  public final long nextStep() {
    return ++step;
  }

  /** Stamps {@code body} with the client's session and {@code step}, counts it and sends it. */
  public final boolean send(String client, long step, ServerMessage.Builder body) {
    Mailbox box = box(client);
    ServerMessage m = body.setSessionId(box.sessionId).setStep(step).build();
    box.bytesDown.addAndGet(m.getSerializedSize());
    return deliver(box, m);
  }

  /**
   * Collects one reply of one of {@code kinds} for {@code step} from each of {@code from}, waiting at
   * most {@code deadline} in all. Clients that did not answer in time are absent from the result;
   * anything else that arrives meanwhile is dropped.
   */
  public final Map<String, ClientMessage> collect(long step, Collection<String> from, Set<ClientMessage.BodyCase> kinds,
      Duration deadline) throws InterruptedException {
    Map<String, ClientMessage> replies = new LinkedHashMap<>();
    long end = System.nanoTime() + deadline.toNanos();
    for (String client : from) {
      Mailbox box = box(client);
      while (true) {
        long left = end - System.nanoTime();
        ClientMessage m = box.inbox.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
        if (m == null) {
          break;
        }
        if (m.getStep() == step && kinds.contains(m.getBodyCase())) {
          replies.put(client, m);
          break;
        }
        dropped.incrementAndGet();
      }
    }
    return replies;
  }

  /** Bytes so far for one client: {up, down}. */
  public final long[] bytes(String client) {
    Mailbox box = box(client);
    return new long[] {box.bytesUp.get(), box.bytesDown.get()};
  }

  /** Replies dropped as stale, misaddressed or of the wrong kind. */
  public final long dropped() {
    return dropped.get();
  }

  private synchronized Mailbox box(String client) {
    Mailbox box = boxes.get(client);
    if (box == null) {
      throw new IllegalArgumentException("no client '" + client + "' joined; joined: " + boxes.keySet());
    }
    return box;
  }

  /** Ends every session (TrainingDone) and releases the transport. */
  @Override
  public abstract void close() throws InterruptedException;
}
