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
  private volatile Peer peer;
  private volatile boolean connected = true;

  Session(long id, String clientId, List<String> inputs, int trainSamples, int batchSize, Peer peer) {
    this.id = id;
    this.clientId = clientId;
    this.inputs = List.copyOf(inputs);
    this.trainSamples = trainSamples;
    this.batchSize = batchSize;
    this.peer = peer;
  }

  boolean connected() {
    return connected;
  }

  void disconnect() {
    connected = false;
  }

  /** Sends and counts; a failed send marks the session disconnected. */
  void send(ServerMessage m) {
    if (!connected) {
      return;
    }
    (m.hasEvalOutputs() ? evalBytesDown : bytesDown).addAndGet(m.getSerializedSize());
    if (!peer.send(m)) {
      connected = false;
    }
  }

  /** Counts an inbound message of this session. */
  void received(org.mpsl4j.protocol.v1.ClientMessage m) {
    boolean eval = m.hasEvalActivations() || m.hasEvalReport();
    (eval ? evalBytesUp : bytesUp).addAndGet(m.getSerializedSize());
  }

  /** Tells this client what was wrong with its message; the session stays open. */
  void error(long step, org.mpsl4j.protocol.v1.ErrorCode code, String message) {
    send(MpslServer.errorMessage(id, step, code, message));
  }

  int stepsPerEpoch() {
    return org.mpsl4j.engine.EpochOrder.steps(trainSamples, batchSize);
  }
}
