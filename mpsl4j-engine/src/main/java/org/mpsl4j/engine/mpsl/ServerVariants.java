package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDManager;
import java.util.Random;
import org.mpsl4j.core.step.ServerSplitStep;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.ServerModel;
import org.mpsl4j.model.train.Adam;

/**
 * Which variant of the method the server runs and whether the variants go together: the tokenizer policy (with its
 * client adversary and shared tables), the server step's chunking, secure aggregation or a private average, and
 * server checkpoints. Each is set by one of {@link MpslServer}'s {@code with...} calls, in any order, so every rule
 * between two of them is checked here in one place; the epoch loop ({@link EpochLoop}) only reads the outcome: the
 * policy and the split step.
 */
final class ServerVariants {
  /** Mixed into the model seed for the adversary's initialization, so that it draws nothing from the model's stream. */
  private static final long ADVERSARY_SEED = 0x6164766572736172L;

  private final ServerConfig config;
  private final ModelConfig modelConfig;
  private final long modelSeed;
  private final NDManager manager;
  private final ServerModel model;
  private final Adam optimizer;
  private final ClientModel tokenizers;
  private final EpochEndAverage epochEndAverage;
  private final SharedTokenizerStep sharedTokenizer;
  private final ServerCheckpointing checkpoints;
  private TokenizerPolicy tokenizerPolicy = TokenizerPolicy.PAPER;
  private ServerSplitStep splitStep;

  ServerVariants(ServerConfig config, ModelConfig modelConfig, long modelSeed, NDManager manager, ServerModel model,
      Adam optimizer, ClientModel tokenizers, EpochEndAverage epochEndAverage, SharedTokenizerStep sharedTokenizer,
      ServerCheckpointing checkpoints) {
    this.config = config;
    this.modelConfig = modelConfig;
    this.modelSeed = modelSeed;
    this.manager = manager;
    this.model = model;
    this.optimizer = optimizer;
    this.tokenizers = tokenizers;
    this.epochEndAverage = epochEndAverage;
    this.sharedTokenizer = sharedTokenizer;
    this.checkpoints = checkpoints;
    splitStep = new ServerSplitStep(model, optimizer);
  }

  /** {@link MpslServer#withTokenizerPolicy}. */
  void tokenizerPolicy(TokenizerPolicy policy) {
    epochEndAverage.check(java.util.Objects.requireNonNull(policy, "policy"));
    String unresumable = config.checkpointDir() == null ? null : MpslServer.checkpointRefusal(policy);
    if (unresumable != null) {
      throw new IllegalArgumentException(unresumable);
    }
    if (checkpoints.resumedFrom() != null && policy.sharedGradients() != tokenizerPolicy.sharedGradients()) {
      // the checkpoint's tokenizer optimizer is restored (or not) by resumeFrom, under the policy set then
      throw new IllegalStateException("set the tokenizer policy before resuming from a checkpoint");
    }
    if (policy.sharedTables() && epochEndAverage.privateAverage()
        && !SharedTokenizerStep.tableNames(tokenizers).isEmpty()) {
      throw new IllegalArgumentException(SharedTokenizerStep.privateTablesRefusal(
          SharedTokenizerStep.tableNames(tokenizers)));
    }
    this.tokenizerPolicy = policy;
    sharedTokenizer.trainTables(policy.tables());
    applyAdversary();
    privateSharedTokenizer();
  }

  /** With a private average and one shared tokenizer, the tokenizer stays on the clients (either call order). */
  private void privateSharedTokenizer() {
    if (!tokenizerPolicy.sharedGradients() || !epochEndAverage.privateAverage()) {
      return;
    }
    if (config.checkpointDir() != null) {
      throw new IllegalArgumentException("server checkpoints cannot hold a private shared tokenizer (--private-average"
          + " with --tokenizer-sync gradients): it lives only on the clients, so a resumed server could not continue it");
    }
    sharedTokenizer.usePrivateSum();
  }

  /** The client adversary the tokenizer policy asks for, on the current split step (none at weight 0). */
  private void applyAdversary() {
    splitStep.useAdversary(tokenizerPolicy.clientAdversary() == 0 ? null
        : new org.mpsl4j.core.step.ClientAdversary(manager, modelConfig.encoder().width(),
            Math.max(2, config.expectedClients()), tokenizerPolicy.clientAdversary(), config.learningRate(),
            new Random(modelSeed ^ ADVERSARY_SEED)));
  }

  /** {@link MpslServer#withServerChunk}. */
  void serverChunk(int chunk) {
    splitStep = new ServerSplitStep(model, optimizer, chunk);
    applyAdversary();
  }

  /** {@link MpslServer#withSecureAggregation}. */
  void secureAggregation() {
    epochEndAverage.useSecureAggregation(tokenizerPolicy);
  }

  /** {@link MpslServer#withPrivateAverage}. */
  void privateAverage() {
    epochEndAverage.usePrivateAverage(tokenizerPolicy);
    privateSharedTokenizer();
  }

  /** {@link MpslServer#withSecAggThreshold}. */
  void secAggThreshold(int t) {
    if (t < 2) {
      throw new IllegalArgumentException("--secagg-threshold must be at least 2 (more than half of at least "
          + org.mpsl4j.engine.secagg.SecAggClient.MIN_PARTIES + " parties), not " + t);
    }
    epochEndAverage.secAggThreshold(t);
  }

  TokenizerPolicy tokenizerPolicy() {
    return tokenizerPolicy;
  }

  /** The server's half of every step: one for all clients. */
  ServerSplitStep splitStep() {
    return splitStep;
  }

  /** The shared tokenizer's optimizer under FedSGD on the tokenizers (checkpointed with the server), else null. */
  Adam sharedTokenizerOptimizer() {
    return tokenizerPolicy.sharedGradients() ? sharedTokenizer.optimizer() : null;
  }
}
