package org.mpsl4j.engine.sim;

import java.time.Duration;
import org.mpsl4j.engine.mpsl.TokenizerPolicy;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.protocol.CodecSpec;

/**
 * One embedded MPSL run.
 *
 * @param model the model both halves are built from
 * @param clients number of simulated clients
 * @param clientBatch each client's mini-batch (reference 5; server batch = clients × clientBatch)
 * @param epochs training epochs
 * @param learningRate Adam learning rate on both sides (reference 1e-4)
 * @param stepLrSize StepLR step in epochs (reference 5)
 * @param alpha Dirichlet concentration of the non-IID partition; ≥ 1e4 is treated as IID
 * @param minPerClient least samples per client (reference 10)
 * @param seed one seed for model, partition and orders (reference 2024)
 * @param stepDeadline how long the server waits for clients in each phase of a step
 * @param threads client worker threads (clients share them)
 * @param codecUp codec of the clients' cut-layer activations (RAW: exact float32)
 * @param codecDown codec of the server's cut-layer gradients
 * @param tokenizers how the clients' tokenizers are kept together (the paper: {@link TokenizerPolicy#PAPER})
 * @param batches each client's batch: {@code clientBatch} for all (the paper) or proportional to its data
 */
public record SimulationConfig(ModelConfig model, int clients, int clientBatch, int epochs, float learningRate,
    int stepLrSize, double alpha, int minPerClient, long seed, Duration stepDeadline, int threads,
    CodecSpec codecUp, CodecSpec codecDown, TokenizerPolicy tokenizers, ClientBatches batches, int serverChunk) {

  /** One server pass over each step's whole batch. */
  public SimulationConfig(ModelConfig model, int clients, int clientBatch, int epochs, float learningRate,
      int stepLrSize, double alpha, int minPerClient, long seed, Duration stepDeadline, int threads,
      CodecSpec codecUp, CodecSpec codecDown, TokenizerPolicy tokenizers, ClientBatches batches) {
    this(model, clients, clientBatch, epochs, learningRate, stepLrSize, alpha, minPerClient, seed, stepDeadline, threads,
        codecUp, codecDown, tokenizers, batches, 0);
  }

  /** A run with exact float32 tensors both ways. */
  public SimulationConfig(ModelConfig model, int clients, int clientBatch, int epochs, float learningRate,
      int stepLrSize, double alpha, int minPerClient, long seed, Duration stepDeadline, int threads) {
    this(model, clients, clientBatch, epochs, learningRate, stepLrSize, alpha, minPerClient, seed, stepDeadline, threads,
        CodecSpec.RAW, CodecSpec.RAW, TokenizerPolicy.PAPER, ClientBatches.EQUAL);
  }

  /** These settings with other cut-layer codecs. */
  public SimulationConfig withCodecs(CodecSpec up, CodecSpec down) {
    return new SimulationConfig(model, clients, clientBatch, epochs, learningRate, stepLrSize, alpha, minPerClient, seed,
        stepDeadline, threads, up, down, tokenizers, batches, serverChunk);
  }

  /** These settings with another tokenizer policy (docs/GLOBAL_MODEL.md). */
  public SimulationConfig withTokenizers(TokenizerPolicy policy) {
    return new SimulationConfig(model, clients, clientBatch, epochs, learningRate, stepLrSize, alpha, minPerClient, seed,
        stepDeadline, threads, codecUp, codecDown, policy, batches, serverChunk);
  }

  /** These settings with other client batches. */
  public SimulationConfig withBatches(ClientBatches plan) {
    return new SimulationConfig(model, clients, clientBatch, epochs, learningRate, stepLrSize, alpha, minPerClient, seed,
        stepDeadline, threads, codecUp, codecDown, tokenizers, plan, serverChunk);
  }

  /**
   * These settings with the server's step in passes of at most {@code chunk} samples (0: one pass), which
   * bounds the server's memory at large batches (see {@link org.mpsl4j.core.step.ServerSplitStep}).
   */
  public SimulationConfig withServerChunk(int chunk) {
    return new SimulationConfig(model, clients, clientBatch, epochs, learningRate, stepLrSize, alpha, minPerClient, seed,
        stepDeadline, threads, codecUp, codecDown, tokenizers, batches, chunk);
  }

  public SimulationConfig {
    java.util.Objects.requireNonNull(codecUp, "codecUp");
    java.util.Objects.requireNonNull(codecDown, "codecDown");
    java.util.Objects.requireNonNull(tokenizers, "tokenizers");
    java.util.Objects.requireNonNull(batches, "batches");
    if (clients < 1) {
      throw new IllegalArgumentException("clients must be >= 1 but was " + clients + " (use --clients)");
    }
    if (serverChunk < 0) {
      throw new IllegalArgumentException("server chunk must be >= 0 (0: one pass) but was " + serverChunk
          + " (use --server-chunk)");
    }
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1 but was " + threads);
    }
  }
}
