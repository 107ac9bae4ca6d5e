package org.mpsl4j.engine.mpsl;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.mpsl4j.protocol.v1.ServerMessage;

/**
 * What the server knows about one client: identity, declared inputs and sample counts, its stream,
 * and the bytes exchanged (measured from serialized messages). Nothing here is per-client model
 * state: the server model is shared.
 */
final class Session {
  final long id;
  final String clientId;
  final List<String> inputs;
  final int trainSamples;
  final int batchSize;
  /** Training traffic: the method's own messages (steps, tokenizer averaging, control). */
  final AtomicLong bytesUp = new AtomicLong();
  final AtomicLong bytesDown = new AtomicLong();
  /** Evaluation traffic (personalized evaluation), kept apart so that the method's cost is not inflated. */
  final AtomicLong evalBytesUp = new AtomicLong();
  final AtomicLong evalBytesDown = new AtomicLong();
  /** What the client's Hello said of its state: the last step it applied, of run {@link #runId} (resume). */
  volatile long lastAppliedStep;
  volatile String runId = "";
  /** Negotiated in Hello: the codec of this client's activations, and of the cut gradients it gets. */
  private volatile org.mpsl4j.protocol.CodecSpec codecUp = org.mpsl4j.protocol.CodecSpec.RAW;
  private volatile org.mpsl4j.protocol.CodecSpec codecDown = org.mpsl4j.protocol.CodecSpec.RAW;
  private volatile Peer peer;
  private volatile boolean connected = true;
  private final Rejections rejections;
  /** Messages of this session waiting in the server's inbox, and their bytes: a flood is cut off. */
  private final java.util.concurrent.atomic.AtomicInteger queued = new java.util.concurrent.atomic.AtomicInteger();
  private final AtomicLong queuedBytes = new AtomicLong();

  /** Wakes a phase that waits for this session's reply when the session ends (the server's inbox). */
  private final Runnable onEnd;

  Session(long id, String clientId, List<String> inputs, int trainSamples, int batchSize, Peer peer,
      Rejections rejections, Runnable onEnd) {
    this.rejections = rejections;
    this.onEnd = onEnd;
    this.id = id;
    this.clientId = clientId;
    this.inputs = List.copyOf(inputs);
    this.trainSamples = trainSamples;
    this.batchSize = batchSize;
    this.peer = peer;
  }

  void codecs(org.mpsl4j.protocol.CodecSpec up, org.mpsl4j.protocol.CodecSpec down) {
    codecUp = up;
    codecDown = down;
  }

  org.mpsl4j.protocol.CodecSpec codecUp() {
    return codecUp;
  }

  org.mpsl4j.protocol.CodecSpec codecDown() {
    return codecDown;
  }

  boolean connected() {
    return connected;
  }

  void disconnect() {
    connected = false;
    onEnd.run();
  }

  /** Ends this session from the server side: it takes part in no later step, and its stream is closed. */
  void replace() {
    connected = false;
    peer.close();
    onEnd.run();
  }

  /** Sends and counts; a failed send marks the session disconnected. */
  void send(ServerMessage m) {
    if (!connected) {
      return;
    }
    (m.hasEvalOutputs() ? evalBytesDown : bytesDown).addAndGet(m.getSerializedSize());
    if (!peer.send(m)) {
      connected = false;
      onEnd.run();
    }
  }

  /** Counts an inbound message of this session. */
  void received(org.mpsl4j.protocol.v1.ClientMessage m) {
    boolean eval = m.hasEvalActivations() || m.hasEvalReport();
    (eval ? evalBytesUp : bytesUp).addAndGet(m.getSerializedSize());
  }

  /** Tells this client what was wrong with its message; the session stays open. */
  void error(long step, org.mpsl4j.protocol.v1.ErrorCode code, String message) {
    rejections.count(code, clientId, message);
    synchronized (this) {
      // A client that floods bad messages gets a bounded number of answers per server step (whatever
      // step numbers its messages claim): the rest are counted but not sent, so its unread Errors
      // cannot pile up in the server's send buffers.
      long now = rejections.serverStep();
      if (now != errorStep) {
        errorStep = now;
        errorsInStep = 0;
      }
      if (++errorsInStep > MAX_ERRORS_PER_STEP) {
        return;
      }
    }
    send(errorMessage(id, step, code, message));
  }

  static ServerMessage errorMessage(long session, long step, org.mpsl4j.protocol.v1.ErrorCode code, String message) {
    return ServerMessage.newBuilder().setSessionId(session).setStep(step)
        .setError(org.mpsl4j.protocol.v1.Error.newBuilder().setCode(code).setMessage(message)).build();
  }

  /** Errors sent to one session during one server step; more are counted, not sent. */
  static final int MAX_ERRORS_PER_STEP = 32;
  private long errorStep = -1;
  private int errorsInStep;

  /** Takes a place in the server's inbox for {@code m}; false when this session already holds its share. */
  boolean reserve(org.mpsl4j.protocol.v1.ClientMessage m, int maxMessages, long maxBytes) {
    long size = m.getSerializedSize();
    int n = queued.incrementAndGet();
    long bytes = queuedBytes.addAndGet(size);
    if (n > maxMessages || bytes > maxBytes) {
      queued.decrementAndGet();
      queuedBytes.addAndGet(-size);
      return false;
    }
    return true;
  }

  /** Gives back the place of a message the training thread took out of the inbox. */
  void release(org.mpsl4j.protocol.v1.ClientMessage m) {
    queued.decrementAndGet();
    queuedBytes.addAndGet(-m.getSerializedSize());
  }

  /** Messages of this session waiting in the inbox. */
  int queued() {
    return queued.get();
  }

  /** Bytes {up, down} per client id over {@code sessions} (a client's sessions summed): training or evaluation. */
  static java.util.Map<String, long[]> bytesByClient(java.util.Collection<Session> sessions, boolean evaluation) {
    java.util.Map<String, long[]> out = new java.util.TreeMap<>();
    for (Session s : sessions) {
      long[] b = out.computeIfAbsent(s.clientId, k -> new long[2]);
      b[0] += (evaluation ? s.evalBytesUp : s.bytesUp).get();
      b[1] += (evaluation ? s.evalBytesDown : s.bytesDown).get();
    }
    return out;
  }

  int stepsPerEpoch() {
    return org.mpsl4j.core.data.EpochOrder.steps(trainSamples, batchSize);
  }
}
