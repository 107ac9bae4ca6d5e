package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mpsl4j.engine.secagg.GroupPads;
import org.mpsl4j.engine.secagg.Int64Bytes;
import org.mpsl4j.engine.secagg.PaddedGradients;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.model.train.Adam;
import org.mpsl4j.protocol.v1.SecAggShare;
import org.mpsl4j.protocol.v1.SecAggSum;

/**
 * A client's side of the <em>private</em> shared tokenizer ({@code --tokenizer-sync gradients --private-average}):
 * the one tokenizer all clients train by FedSGD lives only on the clients, drawn from the secret {@code --client-seed},
 * and the server never holds it. After each step the client sends its tokenizer gradient
 * {@link PaddedGradients padded} with its group pad; the server adds the counted clients' messages and sends the
 * padded sum to every client, which takes the pads off and applies the sum with one step of its own copy of the
 * tokenizer optimizer. Every client starts from the same weights and applies the same sums in the same order with the
 * same (deterministic) Adam, so all clients keep one tokenizer, as in the non-private mode where the server steps it
 * ({@link SharedTokenizerStep}).
 */
final class PrivateSharedTokenizer {
  private final ClientModel model;
  private final GroupPads pads;
  private final String clientId;
  private final Adam optimizer;
  /** The trained parameters in the order the server's sum has them ({@link SharedTokenizerStep#trainedNames}). */
  private final Map<String, Shape> trained = new LinkedHashMap<>();
  private final int length;
  private long lastApplied = -1;

  PrivateSharedTokenizer(ClientModel model, GroupPads pads, String clientId, float learningRate, NDManager manager) {
    this.model = model;
    this.pads = pads.forGradients();
    this.clientId = clientId;
    this.optimizer = new Adam(manager, learningRate);
    Map<String, Parameter> all = model.namedParameters();
    SharedTokenizerStep.trainedNames(model).forEach(name -> trained.put(name, all.get(name).shape()));
    this.length = SharedTokenizerStep.length(trained.values());
  }

  /**
   * This client's gradient of {@code step} ({@code gradients} by name; a trained parameter without one counts as 0),
   * padded.
   *
   * @throws IllegalArgumentException if a gradient is not finite or too large for the fixed point
   */
  SecAggShare padded(long step, Map<String, NDArray> gradients) {
    float[] flat = new float[length];
    int at = 0;
    for (Map.Entry<String, Shape> e : trained.entrySet()) {
      NDArray g = gradients.get(e.getKey());
      int n = Math.toIntExact(e.getValue().size());
      if (g != null) {
        System.arraycopy(g.toFloatArray(), 0, flat, at, n);
      }
      at += n;
    }
    long[] padded = PaddedGradients.pad(flat, pads, step, clientId);
    return SecAggShare.newBuilder().setValues(Int64Bytes.of(padded)).build();
  }

  /**
   * Takes the counted clients' pads off {@code sum} and steps the tokenizer with it.
   *
   * @throws IllegalArgumentException if the sum has the wrong length or names a client twice (nothing is applied)
   */
  void apply(long step, SecAggSum sum, NDManager manager) {
    long[] values = Int64Bytes.read(sum.getValues(), length,
        "padded tokenizer gradient sum of step " + step);
    List<String> counted = sum.getCountedList();
    if (counted.isEmpty()) {
      lastApplied = step; // no gradient arrived in time: the server's tokenizer step is skipped, and so is ours
      return;
    }
    float[] flat = PaddedGradients.unpad(values, pads, step, counted);
    // A sum unpadded with the wrong pads (a server that lies about who is counted, or another group) is noise of about
    // 2^27 per value; the counted clients' true gradients are each within ±LIMIT. Nothing is applied then.
    double bound = PaddedGradients.LIMIT * counted.size();
    for (int i = 0; i < flat.length; i++) {
      if (!(Math.abs(flat[i]) <= bound)) {
        throw new IllegalArgumentException("the padded sum decodes to " + flat[i] + " at index " + i + ", beyond the ±"
            + (long) bound + " that " + counted.size() + " counted clients' gradients can add up to: the list of "
            + "counted clients " + counted + " does not match the sum, or the sum was changed; not applied");
      }
    }
    try (NDManager scope = manager.newSubManager()) {
      Map<String, NDArray> gradients = new LinkedHashMap<>();
      int at = 0;
      for (Map.Entry<String, Shape> e : trained.entrySet()) {
        int n = Math.toIntExact(e.getValue().size());
        float[] part = new float[n];
        System.arraycopy(flat, at, part, 0, n);
        gradients.put(e.getKey(), scope.create(part, e.getValue()));
        at += n;
      }
      optimizer.setLearningRate(sum.getLearningRate());
      optimizer.step(model.namedParameters(), gradients);
    }
    lastApplied = step;
  }

  /** The shared tokenizer's trained parameters as they are now, and the step of the last sum applied. */
  MpslClient.Average current() {
    Map<String, float[]> out = new LinkedHashMap<>();
    Map<String, Parameter> all = model.namedParameters();
    trained.keySet().forEach(name -> out.put(name, all.get(name).array().toFloatArray()));
    return new MpslClient.Average(lastApplied, out);
  }

  /** Updates applied (the optimizer's step count). */
  long updates() {
    return optimizer.steps();
  }
}
