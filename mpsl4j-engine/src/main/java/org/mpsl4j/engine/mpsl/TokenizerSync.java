package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDManager;
import java.time.Duration;
import org.mpsl4j.core.port.Deadline;
import org.mpsl4j.core.port.Ticker;
import java.util.List;
import java.util.Map;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.v1.NamedTensor;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.TokenizerWeights;

/**
 * The server's side of periodic tokenizer synchronization ({@link TokenizerPolicy}): ask every connected
 * client for its tokenizers, average them through the same {@link TokenizerAverage} as the epoch end, and
 * send the average back, so that all clients continue from one tokenizer and the server cannot tell them
 * apart by it. Runs on the training thread, in the step it follows (same step number: a late reply of
 * it is stale with that step's other messages).
 */
final class TokenizerSync {
  private final StepPhases phases;
  private final TokenizerAverage average;

  TokenizerSync(StepPhases phases, TokenizerAverage average) {
    this.phases = phases;
    this.average = average;
  }

  /**
   * Asks {@code participants} for their tokenizers, averages what arrives in time, and sends the average back;
   * the uploads live in a sub-manager of {@code manager} that is closed before returning.
   */
  void synchronize(long step, List<Session> participants, Duration deadline, NDManager manager)
      throws InterruptedException {
    try (NDManager scope = manager.newSubManager()) {
      synchronizeIn(step, participants, deadline, scope);
    }
  }

  private void synchronizeIn(long step, List<Session> participants, Duration deadline, NDManager scope)
      throws InterruptedException {
    ServerMessage.Builder ask = ServerMessage.newBuilder().setStep(step)
        .setTokenizerSync(org.mpsl4j.protocol.v1.TokenizerSync.getDefaultInstance());
    for (Session s : participants) {
      s.send(ask.setSessionId(s.id).build());
    }
    TokenizerAverage.Sum sum = average.begin(scope);
    if (phases.gatherTokenizerWeights(step, participants, scope, Deadline.after(Ticker.system(), deadline), sum::add)
        == 0) {
      return; // nobody answered: the clients keep their own tokenizers, nothing to send
    }
    sum.finish();
    sendAverage(step, participants);
  }

  /** Sends the current average to {@code participants}; each replaces its own tokenizers with it. */
  void sendAverage(long step, List<Session> participants) {
    sendAverage(step, participants, average.averagedParameters().keySet());
  }

  /**
   * Sends the parameters {@code names} of the current average (FedSGD sends only what it trains,
   * {@link SharedTokenizerStep#trainedNames}).
   */
  void sendAverage(long step, List<Session> participants, java.util.Set<String> names) {
    send(step, participants, averageOf(names).build());
  }

  /** The parameters {@code names} of the current average, whole, in the model's order. */
  TokenizerWeights.Builder averageOf(java.util.Set<String> names) {
    TokenizerWeights.Builder w = TokenizerWeights.newBuilder();
    average.averagedParameters().forEach((name, p) -> {
      if (names.contains(name)) {
        w.addParameters(NamedTensor.newBuilder().setName(name).setTensor(TensorCodec.encode(p.array())));
      }
    });
    return w;
  }

  /** Sends {@code weights} (encoded once, shared by all clients' messages) as each session's global tokenizers. */
  static void send(long step, List<Session> participants, TokenizerWeights weights) {
    for (Session s : participants) {
      s.send(ServerMessage.newBuilder().setSessionId(s.id).setStep(step).setGlobalTokenizers(weights).build());
    }
  }
}
