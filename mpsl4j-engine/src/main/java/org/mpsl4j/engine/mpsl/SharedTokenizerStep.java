package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mpsl4j.core.port.Deadline;
import org.mpsl4j.core.port.Ticker;
import org.mpsl4j.model.train.Adam;
import org.mpsl4j.protocol.v1.ServerMessage;

/**
 * FedSGD on the tokenizers ({@link TokenizerPolicy#sharedGradients}), the server's side: after a training
 * step, every client that counted sends the tokenizer gradient its cut gradient produced; the server sums
 * them into the gradient of the step's loss Σ (bᵢ/B)·Lᵢ for one tokenizer shared by all clients (each
 * client's share already carries its weight bᵢ/B), takes one step of its own tokenizer optimizer on the
 * global tokenizers, and sends them to every connected client, which continues from them.
 *
 * <p>So the tokenizer is trained on every client's data as in centralized training, and no client's
 * tokenizer differs from another's: the server cannot learn which client an activation came from by its
 * tokenizer (docs/GLOBAL_MODEL.md). The cost is one tokenizer-sized upload per counted client and one
 * download per connected client per step. Large tables ({@link SparseRows#eligible}: pretrained word
 * embeddings) are not trained this way: the clients freeze them at the initial values everyone shares (a
 * whole-table gradient every step would cost 45.8 MiB with MiniLM's). Runs on the training thread, in the
 * step it follows.
 */
final class SharedTokenizerStep {
  private final StepPhases phases;
  private final TokenizerAverage global;
  private final TokenizerSync sync;
  private final Adam optimizer;
  /** The parameters trained this way: all but the large tables, which stay at their shared initial values. */
  private final java.util.Set<String> trained;

  SharedTokenizerStep(StepPhases phases, TokenizerAverage global, TokenizerSync sync, NDManager manager,
      float learningRate) {
    this.phases = phases;
    this.global = global;
    this.sync = sync;
    this.optimizer = new Adam(manager, learningRate);
    this.trained = global.model().namedParameters().entrySet().stream()
        .filter(e -> !SparseRows.eligible(e.getValue().shape())).map(Map.Entry::getKey)
        .collect(java.util.stream.Collectors.toCollection(java.util.LinkedHashSet::new));
  }

  /**
   * Gathers {@code counted} clients' gradients, steps the global tokenizers with their sum at
   * {@code learningRate}, and sends the result to {@code connected}. If no gradient arrives, or their sum
   * is not finite, the tokenizers stay as they are (and are sent back anyway, so every client drops what it
   * accumulated on its own).
   *
   * @return whether the global tokenizers were updated
   */
  boolean afterStep(long step, List<Session> counted, List<Session> connected, float learningRate, Duration deadline,
      NDManager manager) throws InterruptedException {
    boolean updated = false;
    try (NDManager scope = manager.newSubManager()) {
      ServerMessage.Builder ask = ServerMessage.newBuilder().setStep(step)
          .setTokenizerSync(org.mpsl4j.protocol.v1.TokenizerSync.newBuilder().setGradients(true));
      for (Session s : counted) {
        s.send(ask.setSessionId(s.id).build());
      }
      Map<String, NDArray> sum = new LinkedHashMap<>();
      phases.gatherTokenizerWeights(step, counted, scope, Deadline.after(Ticker.system(), deadline), trained,
          upload -> add(sum, upload, scope));
      if (!sum.isEmpty() && finite(sum)) {
        optimizer.setLearningRate(learningRate);
        optimizer.step(global.model().namedParameters(), sum);
        updated = true;
      }
    }
    sync.sendAverage(step, connected);
    return updated;
  }

  /** The tokenizer optimizer, for its step count and state. */
  Adam optimizer() {
    return optimizer;
  }

  /**
   * Adds one upload into the running sum Σᵢ gᵢ by parameter name (sample counts play no part: gᵢ is already
   * weighted). The sum lives in {@code scope}: the upload's own arrays are freed once it has been added.
   */
  private static void add(Map<String, NDArray> sum, TokenizerUpload upload, NDManager scope) {
    upload.parameters().forEach((name, g) -> {
      NDArray total = sum.get(name);
      if (total == null) {
        NDArray copy = g.duplicate();
        copy.attach(scope);
        sum.put(name, copy);
      } else {
        total.addi(g);
      }
    });
  }

  /** One synchronizing read for all parameters, as in the server's own step. */
  private static boolean finite(Map<String, NDArray> gradients) {
    NDArray total = null;
    for (NDArray g : gradients.values()) {
      NDArray s = g.sum();
      total = total == null ? s : total.add(s);
    }
    return total == null || Float.isFinite(total.getFloat());
  }
}
