package org.mpsl4j.engine.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.mpsl4j.engine.mpsl.MpslServer;
import org.mpsl4j.engine.mpsl.Peer;
import org.mpsl4j.engine.mpsl.SessionStream;
import org.mpsl4j.protocol.v1.ClientBundle;
import org.mpsl4j.protocol.v1.ErrorCode;
import org.mpsl4j.protocol.v1.LaneMessage;
import org.mpsl4j.protocol.v1.ServerBundle;
import org.mpsl4j.protocol.v1.ServerLaneMessage;
import org.mpsl4j.protocol.v1.ServerMessage;

/**
 * The server's side of one {@code Bundled} stream: the clients a host (a simulation, an edge gateway) runs
 * share one connection and send one frame per phase. Each lane is given its own {@link SessionStream},
 * exactly as a {@code Session} stream would be, so admission, per-client checks, rejections, deadlines and
 * dropouts are the single-client path's: a bad entry is answered on its lane and harms no other lane.
 *
 * <p>What the server sends to the lanes is gathered into frames: the first message after a frame went out
 * starts a short wait ({@link #GATHER_MICROS}), then everything queued meanwhile goes as one frame (split at
 * {@link #FRAME_BYTES}). A phase's sends to all lanes (one loop on the training thread) thus leave as one
 * frame or a few instead of one message per client. Frames go out in order on one flusher thread.
 */
final class BundledSessions implements StreamObserver<ClientBundle> {
  /** Lanes one stream may open; more are refused lane by lane (a host cannot flood the server's sessions). */
  static final int MAX_LANES = 1 << 14;
  /** A frame's payload is cut after this many bytes (one entry larger than this goes alone). */
  static final int FRAME_BYTES = 4 << 20;

  /**
   * Cuts entries, in order, into frames of at most {@link #FRAME_BYTES} serialized bytes (an entry larger than that
   * goes alone); both directions of a bundled stream frame this way.
   */
  static <E extends com.google.protobuf.MessageLite> List<List<E>> frames(List<E> entries) {
    List<List<E>> frames = new ArrayList<>();
    List<E> frame = new ArrayList<>();
    long bytes = 0;
    for (E e : entries) {
      int size = e.getSerializedSize();
      if (!frame.isEmpty() && bytes + size > FRAME_BYTES) {
        frames.add(frame);
        frame = new ArrayList<>();
        bytes = 0;
      }
      frame.add(e);
      bytes += size;
    }
    if (!frame.isEmpty()) {
      frames.add(frame);
    }
    return frames;
  }
  /** How long the first queued message waits for the rest of its phase. */
  static final long GATHER_MICROS = 500;

  private final MpslServer server;
  private final String certifiedId;
  private final Outbox outbox;
  /** Touched only by gRPC's callbacks of this stream, which gRPC runs one at a time. */
  private final Map<Integer, Lane> lanes = new HashMap<>();

  private record Lane(LanePeer peer, SessionStream stream) {}

  BundledSessions(MpslServer server, String certifiedId, ServerCallStreamObserver<ServerBundle> out,
      ScheduledExecutorService flusher) {
    this.server = server;
    this.certifiedId = certifiedId;
    this.outbox = new Outbox(out, flusher);
    out.setOnCancelHandler(outbox::markClosed);
  }

  @Override
  public void onNext(ClientBundle frame) {
    for (LaneMessage e : frame.getEntriesList()) {
      int lane = e.getLane();
      Lane open = lanes.get(lane);
      if (e.getEnd()) {
        if (open != null) {
          lanes.remove(lane);
          open.stream().disconnected("the client closed its lane");
          open.peer().close(); // as a Session stream's end is answered by the server closing its side
        }
        continue;
      }
      if (open == null) {
        if (lanes.size() >= MAX_LANES) {
          outbox.add(lane, errorMessage("this stream already has " + MAX_LANES + " lanes; lane " + lane
              + " is refused"));
          outbox.end(lane);
          continue;
        }
        LanePeer peer = new LanePeer(lane);
        open = new Lane(peer, server.connect(peer, certifiedId));
        lanes.put(lane, open);
      }
      // An entry without a message reaches the session as an empty message, which it refuses on this lane.
      open.stream().receive(e.getMessage());
    }
  }

  @Override
  public void onError(Throwable t) {
    outbox.markClosed();
    io.grpc.Status status = io.grpc.Status.fromThrowable(t);
    endAll("connection lost (" + status.getCode()
        + (status.getDescription() == null ? "" : ": " + status.getDescription()) + ")");
  }

  @Override
  public void onCompleted() {
    endAll("the client closed its stream");
    outbox.complete();
  }

  private void endAll(String reason) {
    List<Lane> open = new ArrayList<>(lanes.values());
    lanes.clear();
    for (Lane l : open) {
      l.stream().disconnected(reason);
    }
  }

  private static ServerMessage errorMessage(String message) {
    return ServerMessage.newBuilder().setError(org.mpsl4j.protocol.v1.Error.newBuilder()
        .setCode(ErrorCode.UNEXPECTED_MESSAGE).setMessage(message)).build();
  }

  /** One lane as the server's sessions see it: a stream of its own. */
  private final class LanePeer implements Peer {
    private final int lane;
    private volatile boolean closed;

    LanePeer(int lane) {
      this.lane = lane;
    }

    @Override
    public boolean send(ServerMessage message) {
      return !closed && outbox.add(lane, message);
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        outbox.end(lane);
      }
    }
  }

  /** The frames going down, in order; a send that finds the stream gone reports false, as a closed stream does. */
  private static final class Outbox {
    private final ServerCallStreamObserver<ServerBundle> out;
    private final ScheduledExecutorService flusher;
    private List<ServerLaneMessage> pending = new ArrayList<>();
    private boolean flushScheduled;
    private boolean closed;
    private boolean completeAfterFlush;

    Outbox(ServerCallStreamObserver<ServerBundle> out, ScheduledExecutorService flusher) {
      this.out = out;
      this.flusher = flusher;
    }

    boolean add(int lane, ServerMessage m) {
      return queue(ServerLaneMessage.newBuilder().setLane(lane).setMessage(m).build());
    }

    void end(int lane) {
      queue(ServerLaneMessage.newBuilder().setLane(lane).setEnd(true).build());
    }

    private synchronized boolean queue(ServerLaneMessage e) {
      if (closed || out.isCancelled()) {
        return false;
      }
      pending.add(e);
      if (!flushScheduled) {
        flushScheduled = true;
        flusher.schedule(this::flush, GATHER_MICROS, TimeUnit.MICROSECONDS);
      }
      return true;
    }

    /** Runs on the flusher thread only, so frames leave in the order their messages were queued. */
    private void flush() {
      List<ServerLaneMessage> batch;
      boolean complete;
      synchronized (this) {
        batch = pending;
        pending = new ArrayList<>();
        flushScheduled = false;
        complete = completeAfterFlush;
        completeAfterFlush = false;
      }
      try {
        for (List<ServerLaneMessage> frame : frames(batch)) {
          out.onNext(ServerBundle.newBuilder().addAllEntries(frame).build());
        }
        if (complete) {
          out.onCompleted();
        }
      } catch (RuntimeException e) {
        markClosed(); // cancelled by the client meanwhile
      }
    }

    /** Sends what is queued, then ends the stream. */
    synchronized void complete() {
      if (closed) {
        return;
      }
      closed = true;
      completeAfterFlush = true;
      flushScheduled = true;
      flusher.schedule(this::flush, 0, TimeUnit.MICROSECONDS);
    }

    synchronized void markClosed() {
      closed = true;
    }
  }
}
