package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.protocol.v1.Welcome;

/**
 * A client's place in the server's run: which run its state belongs to, the last step it applied, and its checkpoints
 * at the server's boundaries. On a Welcome it decides whether the client goes on, rolls back to a checkpoint, or
 * starts over, so that no step is applied twice where a checkpoint allows it. Kept out of {@link MpslClient} so that
 * the client's message handling reads as the protocol.
 */
final class ClientResume {
  private final ClientConfig config;
  private final ModelConfig modelConfig;
  private final int[] indices;
  private final ClientModel model;
  private final WireClientStep split;
  private final NDManager manager;
  private final List<String> notes;
  private Path checkpointDir;
  /** The run this client's state belongs to (from the Welcome; empty before the first one). */
  private String runId = "";
  private long lastAppliedStep;
  private long lastCheckpoint;
  private StepClock clock;

  ClientResume(ClientConfig config, ModelConfig modelConfig, int[] indices, ClientModel model, WireClientStep split,
      NDManager manager, List<String> notes) {
    this.config = config;
    this.modelConfig = modelConfig;
    this.indices = indices;
    this.model = model;
    this.split = split;
    this.manager = manager;
    this.notes = notes;
  }

  void checkpointInto(Path dir) {
    this.checkpointDir = dir;
  }

  boolean checkpointing() {
    return checkpointDir != null;
  }

  String runId() {
    return runId;
  }

  long lastAppliedStep() {
    return lastAppliedStep;
  }

  /**
   * Where the server's run stands: a client whose state is of this run and not past {@code resume_step} goes on with
   * it; otherwise it loads its newest checkpoint of this run at or before that step, so that it applies no step twice.
   * Without such a checkpoint a fresh client starts from the initial tokenizers, and a client past the server keeps
   * its state (noted).
   */
  void welcome(Welcome w) {
    if (w.getStepsPerEpoch() > 0) {
      clock = new StepClock(w.getStepsPerEpoch(), w.getCheckpointEvery());
    }
    long resume = w.getResumeStep();
    if (runId.equals(w.getRunId()) && lastAppliedStep <= resume) {
      forgetCheckpointsAfter(resume);
      return;
    }
    split.drop();
    if (checkpointDir != null) {
      List<String> skipped = new ArrayList<>();
      try {
        ClientCheckpoint c = ClientCheckpoint.newest(checkpointDir, config, modelConfig, indices, w.getRunId(), resume,
            skipped);
        notes.addAll(skipped);
        if (c != null) {
          c.restore(model, split.optimizer(), manager);
          notes.add("resumed from " + c.loaded().file() + " (step " + c.step() + ", last applied " + c.lastApplied()
              + "); the server is at step " + resume);
          runId = w.getRunId();
          lastAppliedStep = c.lastApplied();
          forgetCheckpointsAfter(resume);
          return;
        }
      } catch (IOException e) {
        notes.add("cannot resume from " + checkpointDir + ": " + e.getMessage());
      }
    }
    if (runId.equals(w.getRunId())) {
      notes.add("this client applied steps up to " + lastAppliedStep + " but the server resumes after step " + resume
          + " and there is no checkpoint to go back to: steps " + (resume + 1) + ".." + lastAppliedStep
          + " will be applied to its tokenizers again");
    } else if (!runId.isEmpty()) {
      notes.add("the server runs a new run " + w.getRunId() + "; this client joins it with its current tokenizers");
    }
    runId = w.getRunId();
    lastAppliedStep = Math.min(lastAppliedStep, resume);
  }

  /** The cut gradient of {@code step} was applied: checkpoints when the step is a boundary. */
  void applied(long step) {
    lastAppliedStep = step;
    if (clock != null && clock.isCheckpoint(step)) {
      checkpoint(step);
    }
  }

  /** Writes the checkpoint of the last boundary up to {@code step} if this client has not yet (it sat those steps out). */
  void catchUp(long step) {
    if (clock != null) {
      long boundary = clock.lastCheckpointUpTo(step);
      if (boundary > lastCheckpoint && lastAppliedStep <= boundary) {
        checkpoint(boundary);
      }
    }
  }

  void checkpoint(long step) {
    if (checkpointDir == null || runId.isEmpty() || step <= lastCheckpoint) {
      return;
    }
    try {
      ClientCheckpoint.write(checkpointDir, config, modelConfig, indices, model, split.optimizer(), runId, step,
          lastAppliedStep);
      lastCheckpoint = step;
    } catch (IOException | RuntimeException e) {
      // Training goes on without this checkpoint; a crash before the next one costs more steps.
      notes.add("checkpoint of step " + step + " failed: " + e.getMessage());
    }
  }

  /**
   * Deletes this client's checkpoints of steps after {@code resume}: the server redoes those steps, so they belong to a
   * history that no longer happened (and would outrank the new ones when pruning).
   */
  private void forgetCheckpointsAfter(long resume) {
    lastCheckpoint = Math.min(lastCheckpoint, resume);
    if (checkpointDir == null) {
      return;
    }
    try {
      for (Path f : CheckpointFiles.list(checkpointDir, ClientCheckpoint.PREFIX)) {
        if (CheckpointFiles.step(f) > resume) {
          Files.deleteIfExists(f);
        }
      }
    } catch (IOException e) {
      notes.add("cannot delete checkpoints after step " + resume + " in " + checkpointDir + ": " + e.getMessage());
    }
  }
}
