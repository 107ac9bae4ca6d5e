package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mpsl4j.core.cut.CutActivations;
import org.mpsl4j.core.cut.CutBatch;
import org.mpsl4j.core.port.Arrivals;
import org.mpsl4j.core.port.Deadline;
import org.mpsl4j.core.port.Ticker;
import org.mpsl4j.core.step.ServerSplitStep;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.ServerModel;
import org.mpsl4j.protocol.v1.EpochEnd;
import org.mpsl4j.protocol.v1.ServerMessage;

/**
 * The server's side of an epoch end: the tokenizers' average (plain or securely aggregated, {@link EpochEndAverage}),
 * sending it back where the policy synchronizes tokenizers (a private average goes back padded, inside
 * {@link EpochEndAverage#gather}), then the personalized evaluation (each client's test share
 * through its own tokenizers and the server model; the client scores its own predictions with its own labels).
 */
final class EpochEndRound {
  /** Samples per evaluation forward pass: bounds the memory of evaluating every client's test share. */
  private static final int EVAL_CHUNK = 128;

  private final ServerModel model;
  private final EpochEndAverage average;
  private final TokenizerSync sync;
  private final SharedTokenizerStep shared;
  private final StepPhases phases;
  private final Duration deadline;
  /** Set by {@link MpslServer#withoutPersonalizedEvaluation}: no personalized evaluation at epoch ends. */
  private volatile boolean skipEvaluation;

  EpochEndRound(ServerModel model, EpochEndAverage average, TokenizerSync sync, SharedTokenizerStep shared,
      StepPhases phases, Duration deadline) {
    this.model = model;
    this.average = average;
    this.sync = sync;
    this.shared = shared;
    this.phases = phases;
    this.deadline = deadline;
  }

  /**
   * Runs the epoch end as global step {@code step} (a step of its own, so that its messages cannot be confused with
   * training's) with {@code participants}. {@code trainingDone} runs between the average and the evaluation.
   *
   * @return {correct, total} of the personalized evaluation ({0, 0} when no client sent a test share, or when it is
   *     skipped)
   */
  long[] run(long step, int epoch, List<Session> participants, TokenizerPolicy policy, Runnable trainingDone,
      NDManager manager) throws InterruptedException {
    for (Session s : participants) {
      s.send(ServerMessage.newBuilder().setSessionId(s.id).setStep(step)
          .setEpochEnd(EpochEnd.newBuilder().setEpoch(epoch)
              // with one shared tokenizer nothing is averaged at the epoch end, securely or not
              .setSecureAggregation(average.secure() && !policy.sharedGradients())
              .setPrivateAverage(average.privateAverage() && !policy.sharedGradients())
              .setSkipEvaluation(skipEvaluation)).build());
    }
    if (policy.sharedGradients()) {
      // The server's tokenizers are the global ones and every client holds them: nothing to average (an average
      // of equal tokenizers would only add rounding); the trained parameters go to any client that missed a step.
      shared.sendAtEpochEnd(step, participants);
    } else {
      average.gather(step, participants, deadline, manager, policy.syncs());
      if (policy.syncs() && !average.privateAverage()) { // a private average went back padded, for the clients
        sync.sendAverage(step, participants); // every epoch starts from one tokenizer
      }
    }
    trainingDone.run();
    return skipEvaluation ? new long[] {0, 0} : evaluate(step, participants, manager);
  }

  /** Whether epoch ends skip the personalized evaluation (the clients are told so in EpochEnd). */
  void skipEvaluation(boolean skip) {
    skipEvaluation = skip;
  }

  private long[] evaluate(long step, List<Session> participants, NDManager manager) throws InterruptedException {
    Map<String, Session> byClient = new LinkedHashMap<>();
    participants.forEach(s -> byClient.put(s.clientId, s));
    try (NDManager scope = manager.newSubManager()) {
      Arrivals<CutActivations> eval = phases.gatherEvalActivations(step, participants, scope,
          Deadline.after(Ticker.system(), deadline));
      if (eval.arrived().isEmpty()) {
        return new long[] {0, 0};
      }
      CutBatch batch = CutBatch.join(eval.arrived(), scope);
      NDArray outputs;
      try (Autograd.NoGrad ng = Autograd.noGrad()) {
        outputs = model.forwardInChunks(batch.inputs(), EVAL_CHUNK, scope);
      }
      CutLayerReplies.sendOutputs(step, new ServerSplitStep.Forward(batch, outputs).slices(), byClient, true);
      return phases.gatherEvalReports(step, eval.arrived(), byClient, Deadline.after(Ticker.system(), deadline));
    }
  }
}
