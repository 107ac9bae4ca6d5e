package org.mpsl4j.engine.grpc;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.mpsl4j.engine.mpsl.MpslClient;
import org.mpsl4j.engine.mpsl.StackedClients;
import org.mpsl4j.protocol.v1.ClientBundle;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.LaneMessage;
import org.mpsl4j.protocol.v1.ServerBundle;
import org.mpsl4j.protocol.v1.ServerLaneMessage;
import org.mpsl4j.protocol.v1.SplitLearningGrpc;

/**
 * Runs many {@link MpslClient}s of one host over one {@code Bundled} stream, client i on lane i: one frame
 * up per frame down, carrying every client's replies to it. Each client sees exactly what a {@link
 * ClientRunner} would give it, in the same order; the clients of one frame compute in parallel on {@code
 * compute} (and on the stream's callback thread), each client on one thread at a time. The caller owns the
 * channel and the executor.
 */
public final class BundledClients {
  /** Replies ready to go up that are sent before the rest of their frame's clients have answered. */
  static final int EARLY_SEND_BYTES = 32 << 10;
  private final List<MpslClient> clients;
  private final Channel channel;
  private final Executor compute;
  private final int parallelism;
  private final List<CompletableFuture<Status>> finished = new ArrayList<>();
  /** Lanes still open on this side; when none is left the stream is closed. */
  private final boolean[] ended;
  private int open;
  private final AtomicReferenceArray<RuntimeException> lastFailure;
  private volatile ClientCallStreamObserver<ClientBundle> requests;
  /** Stacked tokenizer compute of the clients (null: each client computes its own). */
  private StackedClients stacked;

  /**
   * @param compute runs the clients of a frame besides the callback thread; null: the callback thread alone
   * @param parallelism how many threads of {@code compute} a frame may use
   */
  public BundledClients(List<MpslClient> clients, Channel channel, Executor compute, int parallelism) {
    this.clients = List.copyOf(clients);
    this.channel = channel;
    this.compute = compute;
    this.parallelism = compute == null ? 0 : Math.max(0, parallelism);
    this.ended = new boolean[clients.size()];
    this.open = clients.size();
    this.lastFailure = new AtomicReferenceArray<>(clients.size());
    for (int i = 0; i < clients.size(); i++) {
      finished.add(new CompletableFuture<>());
    }
  }

  /**
   * Runs the clients' tokenizers as one stacked computation per phase ({@link StackedClients}) where their setup
   * allows it; {@link StackedClients#refusal} says why not. Before {@link #start}.
   */
  public BundledClients stacked() {
    this.stacked = new StackedClients(clients);
    return this;
  }

  /** The stacked compute, or null when the clients compute one by one. */
  public StackedClients stackedCompute() {
    return stacked;
  }

  /** Opens the stream and says every client's Hello in one frame; the futures complete as the lanes end. */
  public List<CompletableFuture<Status>> start() {
    SplitLearningGrpc.newStub(channel).withWaitForReady().bundled(new ClientResponseObserver<ClientBundle, ServerBundle>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<ClientBundle> stream) {
        requests = stream;
      }

      @Override
      public void onNext(ServerBundle frame) {
        answer(frame);
      }

      @Override
      public void onError(Throwable t) {
        Status s = Status.fromThrowable(t);
        finished.forEach(f -> f.complete(s));
      }

      @Override
      public void onCompleted() {
        finished.forEach(f -> f.complete(Status.OK));
      }
    });
    List<LaneMessage> hellos = new ArrayList<>();
    for (int i = 0; i < clients.size(); i++) {
      hellos.add(LaneMessage.newBuilder().setLane(i).setMessage(clients.get(i).hello()).build());
    }
    send(hellos);
    return List.copyOf(finished);
  }

  /**
   * One frame down: every lane's messages to its client in order; the replies go up together in one frame,
   * except that once {@link #EARLY_SEND_BYTES} of them are ready they leave at once (about 7 one-sample clients of the B2 model), so that the server can take
   * large replies (clients with big batches) while the other clients still compute.
   */
  private void answer(ServerBundle frame) {
    Map<Integer, List<ServerLaneMessage>> byLane = new LinkedHashMap<>();
    for (ServerLaneMessage e : frame.getEntriesList()) {
      int lane = e.getLane();
      if (lane >= 0 && lane < clients.size()) {
        byLane.computeIfAbsent(lane, k -> new ArrayList<>()).add(e);
      }
    }
    List<Integer> lanes = new ArrayList<>(byLane.keySet());
    if (stacked != null) {
      Map<Integer, List<org.mpsl4j.protocol.v1.ServerMessage>> messages = new LinkedHashMap<>();
      for (int lane : lanes) {
        List<org.mpsl4j.protocol.v1.ServerMessage> ms = new ArrayList<>();
        for (ServerLaneMessage e : byLane.get(lane)) {
          if (e.getEnd() || laneEnded(lane)) {
            break;
          }
          ms.add(e.getMessage());
        }
        messages.put(lane, ms);
      }
      stacked.beforeFrame(messages);
    }
    List<LaneMessage> ready = new ArrayList<>();
    List<Integer> clientEnded = new ArrayList<>();
    long[] readyBytes = {0};
    inParallel(lanes.size(), i -> {
      List<LaneMessage> replies = answerLane(lanes.get(i), byLane.get(lanes.get(i)));
      synchronized (this) {
        for (LaneMessage m : replies) {
          ready.add(m);
          readyBytes[0] += m.getSerializedSize();
          if (m.getEnd()) {
            clientEnded.add(m.getLane());
          }
        }
        if (readyBytes[0] >= EARLY_SEND_BYTES) {
          send(ready);
          ready.clear();
          readyBytes[0] = 0;
        }
      }
    });
    if (stacked != null) {
      stacked.afterFrame();
    }
    synchronized (this) {
      send(ready); // before any lane's end can close the stream
      for (int lane : clientEnded) {
        endLane(lane, Status.OK, false);
      }
      for (int lane : lanes) {
        for (ServerLaneMessage e : byLane.get(lane)) {
          if (e.getEnd()) {
            endLane(e.getLane(), Status.OK, false); // the server closed this lane (refused, replaced or done)
          }
        }
      }
    }
  }

  private List<LaneMessage> answerLane(int lane, List<ServerLaneMessage> messages) {
    MpslClient client = clients.get(lane);
    List<LaneMessage> out = new ArrayList<>();
    for (ServerLaneMessage e : messages) {
      if (e.getEnd() || laneEnded(lane)) {
        break;
      }
      try {
        for (ClientMessage reply : client.onMessage(e.getMessage())) {
          out.add(LaneMessage.newBuilder().setLane(lane).setMessage(reply).build());
        }
      } catch (RuntimeException ex) {
        // A message this client cannot use (e.g. outputs for a step it dropped) must not kill it.
        lastFailure.set(lane, ex);
      }
      if (client.done()) {
        out.add(LaneMessage.newBuilder().setLane(lane).setEnd(true).build());
        break;
      }
    }
    return out;
  }

  /** Runs tasks 0..n-1 on this thread and up to {@code parallelism} threads of the executor; returns when all ran. */
  private void inParallel(int n, java.util.function.IntConsumer task) {
    AtomicInteger next = new AtomicInteger();
    CompletableFuture<Void> all = new CompletableFuture<>();
    AtomicInteger done = new AtomicInteger();
    Runnable worker = () -> {
      int i;
      while ((i = next.getAndIncrement()) < n) {
        try {
          task.accept(i);
        } finally {
          if (done.incrementAndGet() == n) {
            all.complete(null);
          }
        }
      }
    };
    if (n == 0) {
      return;
    }
    for (int h = 0; h < Math.min(parallelism, n - 1); h++) {
      compute.execute(worker); // a helper that starts after the work is taken finds nothing left and returns
    }
    worker.run();
    all.join();
  }

  private synchronized boolean laneEnded(int lane) {
    return ended[lane];
  }

  /** Must hold this. {@code tellServer}: send the lane's end (the client leaves) rather than note it. */
  private void endLane(int lane, Status status, boolean tellServer) {
    if (ended[lane]) {
      return;
    }
    ended[lane] = true;
    open--;
    finished.get(lane).complete(status);
    if (tellServer) {
      send(List.of(LaneMessage.newBuilder().setLane(lane).setEnd(true).build()));
    }
    if (open == 0) {
      requests.onCompleted();
    }
  }

  /** Ends lane {@code lane} from this side, as a device that crashes or leaves: the server sees its stream end. */
  public synchronized void abort(int lane) {
    endLane(lane, Status.CANCELLED.withDescription("client aborted"), true);
  }

  /** Frames of at most {@link BundledSessions#FRAME_BYTES} (one larger entry goes alone). */
  private synchronized void send(List<LaneMessage> entries) {
    for (List<LaneMessage> frame : BundledSessions.frames(entries)) {
      requests.onNext(ClientBundle.newBuilder().addAllEntries(frame).build());
    }
  }

  public MpslClient client(int lane) {
    return clients.get(lane);
  }

  public List<MpslClient> clients() {
    return clients;
  }

  /** The last exception client {@code lane} raised on a server message, or null. */
  public RuntimeException lastFailure(int lane) {
    return lastFailure.get(lane);
  }
}
