package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.UUID;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.ServerModel;
import org.mpsl4j.model.train.Adam;
import org.mpsl4j.protocol.v1.Welcome;

/**
 * The server's side of checkpoint and resume: the run id, the checkpoint it resumed from (if any),
 * writing checkpoints at the boundaries, and what the Welcome tells clients about both.
 */
final class ServerCheckpointing {
  private final ServerConfig config;
  private final ModelConfig modelConfig;
  private final long modelSeed;
  /** Names this run in checkpoints and Welcomes, so that clients never use a checkpoint of another run. */
  private String runId = UUID.randomUUID().toString();
  private ServerCheckpoint resumedFrom;
  private long stepsRedone;

  ServerCheckpointing(ServerConfig config, ModelConfig modelConfig, long modelSeed) {
    this.config = config;
    this.modelConfig = modelConfig;
    this.modelSeed = modelSeed;
  }

  /**
   * Checks {@code checkpoint} against this server's model and settings and loads it into the given parts;
   * {@code tokenizerOptimizer} is the shared tokenizer's (FedSGD on the tokenizers), null without one.
   */
  void resume(ServerCheckpoint checkpoint, ServerModel model, ClientModel tokenizers, Adam optimizer,
      Adam tokenizerOptimizer, NDManager manager) throws IOException {
    checkpoint.checkResumable(modelConfig, ServerCheckpoint.settings(config, modelSeed), tokenizerOptimizer != null);
    checkpoint.restore(model, tokenizers, optimizer, tokenizerOptimizer, manager);
    runId = checkpoint.runId();
    resumedFrom = checkpoint;
  }

  String runId() {
    return runId;
  }

  /** The checkpoint this server resumed from, or null. */
  ServerCheckpoint resumedFrom() {
    return resumedFrom;
  }

  long stepsRedone() {
    return stepsRedone;
  }

  /** The Welcome's resume fields: where the server's model stands, the run, and the checkpoint interval. */
  Welcome.Builder welcome(Welcome.Builder w, long globalStep) {
    return w.setResumeStep(globalStep).setCheckpointEvery(config.checkpointEvery()).setRunId(runId)
        .setFirstEpoch(resumedFrom == null ? 0 : resumedFrom.nextEpoch());
  }

  /** After a resume, from the clients' Hellos: the most training steps any of them had applied past the checkpoint. */
  void countRedone(Collection<Session> joined, StepClock clock) {
    if (resumedFrom == null) {
      return;
    }
    long at = resumedFrom.globalStep();
    for (Session s : joined) {
      if (s.runId.equals(runId) && s.lastAppliedStep > at) {
        stepsRedone = Math.max(stepsRedone, clock.trainingStepsUpTo(s.lastAppliedStep) - clock.trainingStepsUpTo(at));
      }
    }
  }

  /**
   * Writes a checkpoint of the state after {@code globalStep}, if checkpoints are on. A failed write
   * stops training: going on would silently lose the guarantee that a crash costs at most K steps.
   */
  void write(ServerModel model, ClientModel tokenizers, Adam optimizer, Adam tokenizerOptimizer, long globalStep,
      int stepsPerEpoch, int nextEpoch, int nextStepInEpoch, ServerCheckpoint.EpochSoFar soFar) {
    if (config.checkpointDir() == null) {
      return;
    }
    try {
      ServerCheckpoint.write(config.checkpointDir(), modelConfig, ServerCheckpoint.settings(config, modelSeed), model,
          tokenizers, optimizer, tokenizerOptimizer, runId, globalStep, nextEpoch, nextStepInEpoch, stepsPerEpoch, soFar);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the checkpoint of step " + globalStep + " into "
          + config.checkpointDir() + ": " + e.getMessage(), e);
    }
  }
}
