package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.mpsl4j.core.port.SplitStepRunner;
import org.mpsl4j.core.port.StepPlan;
import org.mpsl4j.core.port.StepReport;
import org.mpsl4j.core.port.Ticker;
import org.mpsl4j.core.step.ServerSideLoss;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.ServerModel;
import org.mpsl4j.model.train.Adam;
import org.mpsl4j.model.train.StepLr;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.TrainingDone;

/**
 * The server's schedule ({@link MpslServer#train}): epochs of split steps ({@link SplitStepRunner} over
 * {@link GrpcCohort}), each step followed by the tokenizer rounds the policy asks for and a checkpoint at the
 * boundaries, then the epoch end ({@link EpochEndRound}). It owns the run's position (the global step, also where a
 * resume continues) and its counts; {@link MpslServer} wires the parts, sets the variants and faces the transport.
 */
final class EpochLoop {
  private final ServerConfig config;
  private final NDManager manager;
  private final ServerModel model;
  private final ClientModel tokenizers;
  private final Adam optimizer;
  private final StepLr schedule;
  private final ServerVariants variants;
  private final Roster roster;
  private final Admission admission;
  private final ServerCheckpointing checkpoints;
  private final SharedTokenizerStep sharedTokenizer;
  private final TokenizerSync tokenizerSync;
  private final EpochEndRound epochEnd;
  private final ServerObservers observers;
  private final Rejections rejections;
  private final GrpcCohort cohort;
  private final SplitStepRunner runner;
  private volatile long skippedSteps;
  private int stepsPerEpoch;
  private volatile MpslServer.ProgressListener progress = (epoch, step, steps) -> {};
  private volatile long globalStep;

  EpochLoop(ServerConfig config, NDManager manager, ServerModel model, ClientModel tokenizers, Adam optimizer,
      ServerVariants variants, Roster roster, Admission admission, ServerCheckpointing checkpoints, StepPhases phases,
      SharedTokenizerStep sharedTokenizer, TokenizerSync tokenizerSync, EpochEndRound epochEnd,
      ServerObservers observers, Rejections rejections) {
    this.config = config;
    this.manager = manager;
    this.model = model;
    this.tokenizers = tokenizers;
    this.optimizer = optimizer;
    schedule = new StepLr(config.learningRate(), config.stepLrSize(), config.stepLrGamma());
    this.variants = variants;
    this.roster = roster;
    this.admission = admission;
    this.checkpoints = checkpoints;
    this.sharedTokenizer = sharedTokenizer;
    this.tokenizerSync = tokenizerSync;
    this.epochEnd = epochEnd;
    this.observers = observers;
    this.rejections = rejections;
    cohort = new GrpcCohort(roster::connected, phases);
    runner = new SplitStepRunner(cohort, Ticker.system());
  }

  /** {@link MpslServer#useServerSideLoss}. */
  void useServerSideLoss(ServerSideLoss loss) {
    runner.useServerSideLoss(loss);
  }

  /** {@link MpslServer#resumeFrom}: loads the checkpoint and continues with the step after it. */
  void resumeFrom(ServerCheckpoint checkpoint) throws IOException {
    checkpoints.resume(checkpoint, model, tokenizers, optimizer, variants.sharedTokenizerOptimizer(), manager);
    globalStep = checkpoint.globalStep();
  }

  /** {@link MpslServer#train}. */
  List<EpochStats> train(Consumer<EpochStats> onEpoch) throws InterruptedException {
    roster.awaitClients();
    int steps = roster.epochLength();
    ServerCheckpoint resumedFrom = checkpoints.resumedFrom();
    // A resumed run keeps its epoch length: step numbers, and so checkpoint boundaries, must not move.
    stepsPerEpoch = resumedFrom == null ? steps : resumedFrom.stepsPerEpoch();
    StepClock clock = new StepClock(stepsPerEpoch, config.checkpointEvery());
    int firstEpoch = resumedFrom == null ? 0 : resumedFrom.nextEpoch();
    checkpoints.countRedone(connected(), clock);
    admission.trainingStarts(stepsPerEpoch);
    List<EpochStats> out = new ArrayList<>();
    for (int epoch = firstEpoch; epoch < config.epochs(); epoch++) {
      optimizer.setLearningRate(schedule.learningRate(epoch));
      boolean resumed = resumedFrom != null && epoch == firstEpoch;
      EpochAccumulator acc = new EpochAccumulator(epoch, resumed ? resumedFrom.epochSoFar() : ServerCheckpoint.EpochSoFar.NONE);
      for (int s = resumed ? resumedFrom.nextStepInEpoch() : 0; s < stepsPerEpoch; s++) {
        long t0 = System.nanoTime();
        if (tokenizerPolicy().sharedGradients()) {
          sharedTokenizer.sendToNewcomers(globalStep, connected());
        }
        StepReport r = step(epoch, s, acc);
        observers.stepDone(observerReport(r, epoch, s, globalStep, (System.nanoTime() - t0) / 1e9));
        if (tokenizerPolicy().sharedGradients()) { // FedSGD on the tokenizers, docs/GLOBAL_MODEL.md
          sharedTokenizer.afterStep(globalStep, roster.sessionsOf(r.counted()), connected(),
              tokenizerPolicy().clientLearningRate(optimizer.learningRate()), config.stepDeadline(), manager);
        }
        if (tokenizerPolicy().syncAfter(s, stepsPerEpoch)) { // docs/GLOBAL_MODEL.md
          tokenizerSync.synchronize(globalStep, connected(), config.stepDeadline(), manager);
        }
        if (clock.isCheckpoint(globalStep)) {
          checkpoint(epoch, s + 1, acc.soFar());
        }
        progress.stepDone(epoch, s, stepsPerEpoch);
      }
      long epochEndStep = ++globalStep; // the epoch end is a step of its own
      rejections.stepStarted(epochEndStep);
      acc.personalized = epochEnd.run(epochEndStep, epoch, connected(), tokenizerPolicy(), acc::trainingDone, manager);
      checkpoint(epoch + 1, 0, ServerCheckpoint.EpochSoFar.NONE);
      EpochStats stats = acc.finish();
      out.add(stats);
      observers.epochDone(stats);
      onEpoch.accept(stats);
    }
    observers.trainingDone();
    for (Session s : connected()) {
      s.send(ServerMessage.newBuilder().setSessionId(s.id).setStep(globalStep).setDone(TrainingDone.getDefaultInstance()).build());
    }
    return out;
  }

  private void checkpoint(int nextEpoch, int nextStepInEpoch, ServerCheckpoint.EpochSoFar soFar) {
    checkpoints.write(model, tokenizers, optimizer, variants.sharedTokenizerOptimizer(), globalStep, stepsPerEpoch,
        nextEpoch, nextStepInEpoch, soFar);
  }

  private StepReport step(int epoch, int stepInEpoch, EpochAccumulator acc) throws InterruptedException {
    long step = ++globalStep;
    rejections.stepStarted(step);
    float lr = optimizer.learningRate();
    StepPlan plan = new StepPlan(step, epoch, stepInEpoch, lr, tokenizerPolicy().clientLearningRate(lr));
    try (NDManager scope = manager.newSubManager()) {
      StepReport r = runner.step(plan, cohort.participants(), client -> variants.splitStep(), config.stepDeadline(), scope);
      skippedSteps += r.skipped();
      acc.add(r);
      return r;
    }
  }

  /** A step as the observers see it (console, metrics, status page). */
  private ServerObserver.StepReport observerReport(StepReport r, int epoch, int stepInEpoch, long step, double seconds) {
    long n = r.samples();
    return new ServerObserver.StepReport(epoch, stepInEpoch, stepsPerEpoch, step, seconds, r.counted(), r.missedClients(),
        n, n == 0 ? Double.NaN : r.lossTimesBatch() / n, n == 0 ? Double.NaN : (double) r.correct() / n);
  }

  private TokenizerPolicy tokenizerPolicy() {
    return variants.tokenizerPolicy();
  }

  private List<Session> connected() {
    return roster.connected();
  }

  /** The global step of the last completed step (0 before training; a resume's checkpoint step). */
  long globalStep() {
    return globalStep;
  }

  /** Steps whose optimizer update was skipped because the gradients were not finite. */
  long skippedSteps() {
    return skippedSteps;
  }

  void onProgress(MpslServer.ProgressListener listener) {
    this.progress = listener;
  }
}
