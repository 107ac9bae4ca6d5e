package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.ServerModel;
import org.mpsl4j.model.train.Adam;

/**
 * A snapshot of the server between two steps, enough to continue training as if nothing happened:
 * the server model ({@code model.*}), its Adam moments ({@code exp_avg.*}, {@code exp_avg_sq.*}) and
 * step count, the FedAvg'd global tokenizers ({@code tokenizers.*}), the position in the schedule
 * (last global step, next epoch and step in it; the StepLR rate is a function of the epoch), the
 * running sums of the epoch in progress, the run id, the model fingerprint and the run settings that
 * must not change across a restart; under FedSGD on the tokenizers ({@code --tokenizer-sync gradients}) also the
 * shared tokenizer's Adam moments ({@code tokenizer_exp_avg.*}, {@code tokenizer_exp_avg_sq.*}) and step count, the
 * tokenizers themselves being the global ones. The server draws no random numbers while training (the model
 * is initialized from the seed, which is a checked setting; encoder dropout is 0 in every mpsl4j
 * model, see {@link #checkResumable}), so there is no generator state to keep.
 *
 * <p>One file per checkpoint, {@code server-<step>.safetensors} in the checkpoint directory, written
 * atomically with a SHA-256 (see {@link CheckpointFiles}); the newest {@value #KEEP} are kept.
 *
 * @param file where it was read from
 * @param runId names the run across restarts; clients only use their own checkpoints of this run
 * @param globalStep the last global step whose update it holds
 * @param nextEpoch the epoch training continues in
 * @param nextStepInEpoch the training step of {@code nextEpoch} that comes next
 * @param stepsPerEpoch training steps per epoch, fixed when training first started
 * @param adamSteps the optimizer's step count (bias correction)
 * @param epochSoFar the figures of {@code nextEpoch}'s steps so far
 */
public record ServerCheckpoint(Path file, String runId, long globalStep, int nextEpoch, int nextStepInEpoch,
    int stepsPerEpoch, long adamSteps, EpochSoFar epochSoFar) {
  /** Checkpoints kept: the newest and the one before, in case the newest is found damaged. */
  public static final int KEEP = 2;
  static final String PREFIX = "server";
  private static final String FORMAT = "mpsl4j-server-checkpoint/1";
  /** The shared tokenizer's optimizer (FedSGD on the tokenizers): its moments' prefix and its step count's key. */
  private static final String TOKENIZER_ADAM = "tokenizer_";
  private static final String TOKENIZER_ADAM_STEPS = "tokenizer-adam-steps";

  /** The running sums of an epoch in progress, so that a resumed epoch reports all its steps. */
  public record EpochSoFar(int steps, long samples, double lossSum, long correct, int missed) {
    static final EpochSoFar NONE = new EpochSoFar(0, 0, 0, 0, 0);
  }

  /** The run settings a checkpoint must share with the server that resumes it, by name. */
  static Map<String, String> settings(ServerConfig config, long modelSeed) {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("clients", String.valueOf(config.expectedClients()));
    s.put("epochs", String.valueOf(config.epochs()));
    s.put("lr", String.valueOf(config.learningRate()));
    s.put("step-lr-size", String.valueOf(config.stepLrSize()));
    s.put("step-lr-gamma", String.valueOf(config.stepLrGamma()));
    s.put("client-batch", String.valueOf(config.maxClientBatch()));
    s.put("seed", String.valueOf(modelSeed));
    return s;
  }

  /** Writes a checkpoint of the server's state after {@code globalStep} and prunes old ones. */
  static Path write(Path dir, ModelConfig modelConfig, Map<String, String> settings, ServerModel model,
      ClientModel tokenizers, Adam optimizer, Adam tokenizerOptimizer, String runId, long globalStep, int nextEpoch,
      int nextStepInEpoch, int stepsPerEpoch, EpochSoFar soFar) throws IOException {
    Map<String, NDArray> tensors = CheckpointFiles.tensors("model.", model.namedParameters(), optimizer);
    tokenizers.namedParameters().forEach((k, p) -> tensors.put("tokenizers." + k, p.array()));
    if (tokenizerOptimizer != null) {
      tokenizerOptimizer.state("exp_avg").forEach((k, v) -> tensors.put(TOKENIZER_ADAM + "exp_avg." + k, v));
      tokenizerOptimizer.state("exp_avg_sq").forEach((k, v) -> tensors.put(TOKENIZER_ADAM + "exp_avg_sq." + k, v));
    }
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", FORMAT);
    meta.put("fingerprint", modelConfig.fingerprint());
    meta.put("model", modelConfig.toString());
    meta.put("run", runId);
    meta.put("global-step", String.valueOf(globalStep));
    meta.put("next-epoch", String.valueOf(nextEpoch));
    meta.put("next-step-in-epoch", String.valueOf(nextStepInEpoch));
    meta.put("steps-per-epoch", String.valueOf(stepsPerEpoch));
    meta.put("adam-steps", String.valueOf(optimizer.steps()));
    if (tokenizerOptimizer != null) {
      meta.put(TOKENIZER_ADAM_STEPS, String.valueOf(tokenizerOptimizer.steps()));
    }
    meta.put("epoch.steps", String.valueOf(soFar.steps()));
    meta.put("epoch.samples", String.valueOf(soFar.samples()));
    meta.put("epoch.loss-sum", Double.toString(soFar.lossSum()));
    meta.put("epoch.correct", String.valueOf(soFar.correct()));
    meta.put("epoch.missed", String.valueOf(soFar.missed()));
    settings.forEach((k, v) -> meta.put("setting." + k, v));
    return CheckpointFiles.write(dir, PREFIX, globalStep, tensors, meta, KEEP);
  }

  /**
   * The newest usable checkpoint in {@code dir}, or null when it holds none. A damaged newest file is
   * skipped for the one before, and {@code warnings} says so.
   *
   * @throws IOException if there are checkpoints but none is readable (naming each file and its fault)
   */
  public static ServerCheckpoint latest(Path dir, List<String> warnings) throws IOException {
    List<String> problems = new ArrayList<>();
    for (Path f : CheckpointFiles.list(dir, PREFIX)) {
      try {
        ServerCheckpoint c = read(f);
        warnings.addAll(problems);
        return c;
      } catch (IOException e) {
        problems.add(e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      throw new IOException("no usable server checkpoint in " + dir + ": " + String.join("; ", problems));
    }
    return null;
  }

  /** Reads and verifies one checkpoint file (not yet against a model: see {@link #checkResumable}). */
  public static ServerCheckpoint read(Path file) throws IOException {
    CheckpointFiles.Loaded l = CheckpointFiles.read(file);
    if (!FORMAT.equals(l.metadata().get("format"))) {
      throw new IOException("checkpoint " + file + " is not a server checkpoint (format " + l.metadata().get("format")
          + ", expected " + FORMAT + ")");
    }
    EpochSoFar soFar;
    try {
      soFar = new EpochSoFar((int) l.metaLong("epoch.steps"), l.metaLong("epoch.samples"),
          Double.parseDouble(l.meta("epoch.loss-sum")), l.metaLong("epoch.correct"), (int) l.metaLong("epoch.missed"));
    } catch (NumberFormatException e) {
      throw new IOException("checkpoint " + file + ": epoch.loss-sum is not a number", e);
    }
    return new ServerCheckpoint(file, l.meta("run"), l.metaLong("global-step"), (int) l.metaLong("next-epoch"),
        (int) l.metaLong("next-step-in-epoch"), (int) l.metaLong("steps-per-epoch"), l.metaLong("adam-steps"), soFar);
  }

  /**
   * Refuses to resume this checkpoint with another model, other run settings, or with a shared tokenizer
   * ({@code sharedTokenizer}) where the checkpointed run had none, or the other way round.
   *
   * @throws IllegalArgumentException naming the checkpoint and both values of what differs
   */
  void checkResumable(ModelConfig modelConfig, Map<String, String> settings, boolean sharedTokenizer)
      throws IOException {
    Map<String, String> meta = CheckpointFiles.read(file).metadata();
    boolean withShared = meta.containsKey(TOKENIZER_ADAM_STEPS);
    if (withShared != sharedTokenizer) {
      throw new IllegalArgumentException("checkpoint " + file + " was written by a run " + (withShared ? "with" : "without")
          + " --tokenizer-sync " + TokenizerPolicy.GRADIENTS + " but this server runs " + (sharedTokenizer ? "with" : "without")
          + " it: resume with the same settings");
    }
    if (!modelConfig.fingerprint().equals(meta.get("fingerprint"))) {
      throw new IllegalArgumentException("checkpoint " + file + " is of model " + meta.get("fingerprint") + " ("
          + meta.get("model") + ") but this server runs model " + modelConfig.fingerprint() + " (" + modelConfig
          + "): start it with the settings of the checkpointed run, or use another --checkpoint-dir");
    }
    if (modelConfig.encoder().dropout() > 0) {
      throw new IllegalArgumentException("cannot resume a model with dropout " + modelConfig.encoder().dropout()
          + ": the checkpoint does not hold libtorch's random state");
    }
    List<String> differ = new ArrayList<>();
    settings.forEach((k, v) -> {
      String stored = meta.get("setting." + k);
      if (!v.equals(stored)) {
        differ.add("--" + k + " " + stored + " (this server: " + v + ")");
      }
    });
    if (!differ.isEmpty()) {
      throw new IllegalArgumentException("checkpoint " + file + " was written by a run with " + String.join(", ", differ)
          + ": resume with the same settings");
    }
  }

  /**
   * Loads the tensors into the server's model, global tokenizers and optimizer, and the shared tokenizer's
   * optimizer where {@code tokenizerOptimizer} is not null (checked by {@link #checkResumable}).
   */
  void restore(ServerModel model, ClientModel tokenizers, Adam optimizer, Adam tokenizerOptimizer, NDManager manager)
      throws IOException {
    CheckpointFiles.Loaded l = CheckpointFiles.read(file);
    try (NDManager scope = manager.newSubManager()) {
      CheckpointFiles.restoreParameters(l, "model.", model.namedParameters(), scope);
      CheckpointFiles.restoreParameters(l, "tokenizers.", tokenizers.namedParameters(), scope);
      CheckpointFiles.restoreAdam(l, "", optimizer, adamSteps, scope);
      if (tokenizerOptimizer != null) {
        CheckpointFiles.restoreAdam(l, TOKENIZER_ADAM, tokenizerOptimizer, l.metaLong(TOKENIZER_ADAM_STEPS), scope);
      }
    }
  }
}
