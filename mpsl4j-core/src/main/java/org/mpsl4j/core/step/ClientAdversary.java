package org.mpsl4j.core.step;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mpsl4j.core.cut.CutBatch;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.Module;
import org.mpsl4j.model.nn.Linear;
import org.mpsl4j.model.train.Adam;

/**
 * A client-identity adversary on the server's pooled representation, with gradient reversal (Ganin and
 * Lempitsky 2015), against the shortcut of docs/GLOBAL_MODEL.md: under label skew the server learns which
 * client's tokenizer made an activation instead of what it shows. A small MLP learns to tell from the
 * pooled features which client a row came from (the server knows it anyway: the row's place in the joined
 * batch); the encoder receives that loss's gradient reversed and scaled by λ, which pushes it toward
 * features from which clients cannot be told apart.
 *
 * <p>Where a client's data is one class, its identity and its label coincide, so the penalty also works
 * against the label: λ trades the two. Clients are numbered in the order they first appear; beyond
 * {@code clients} numbers repeat (those clients share a target). Not thread-safe: the server's training thread.
 */
public final class ClientAdversary {
  private final Probe probe;
  private final Adam optimizer;
  private final float weight;
  private final int clients;
  private final Map<String, Integer> index = new HashMap<>();

  /** d → d → clients, GELU between: the fingerprint of a tokenizer need not be linear in the features. */
  private static final class Probe extends Module {
    private final Linear hidden;
    private final Linear out;

    Probe(NDManager manager, int width, int clients, Random rng) {
      hidden = addChild("hidden", new Linear(manager, width, width, rng));
      out = addChild("out", new Linear(manager, width, clients, rng));
    }

    NDArray forward(NDArray x) {
      return out.forward(ai.djl.nn.Activation.gelu(hidden.forward(x)));
    }
  }

  /**
   * @param width the pooled representation's width d
   * @param clients how many clients the adversary tells apart (at least 2)
   * @param weight λ, the scale of the reversed gradient (0 would train the adversary for nothing)
   * @param learningRate the adversary's Adam rate
   */
  public ClientAdversary(NDManager manager, int width, int clients, float weight, float learningRate, Random rng) {
    if (clients < 2) {
      throw new IllegalArgumentException("a client adversary needs at least 2 clients to tell apart but got " + clients);
    }
    if (!(weight > 0) || !Float.isFinite(weight)) {
      throw new IllegalArgumentException("client adversary weight must be a finite number > 0 but was " + weight
          + " (use --client-adversary)");
    }
    this.probe = new Probe(manager, width, clients, rng);
    this.optimizer = new Adam(manager, learningRate);
    this.weight = weight;
    this.clients = clients;
  }

  public float weight() {
    return weight;
  }

  /** The adversary's number for {@code client}. */
  int target(String client) {
    return index.computeIfAbsent(client, k -> index.size() % clients);
  }

  /**
   * One training step of the adversary on the {@code counted} members' rows of {@code pooled} (B, d), and
   * the gradient the encoder receives for them: −λ·∂L_adv/∂pooled, zero on every other row. L_adv is the
   * mean cross-entropy over the counted rows. Reads {@code pooled} only through a detached copy, so the
   * encoder's graph is untouched.
   *
   * @return (B, d), owned by {@code scope}
   */
  NDArray reversedGradient(NDArray pooled, List<CutBatch.Member> counted, NDManager scope) {
    NDArray features = Autograd.leaf(pooled.stopGradient());
    features.attach(scope);
    NDArray loss;
    try (Autograd.Recording r = Autograd.record()) {
      loss = loss(features, counted, scope);
    }
    Autograd.backward(loss);
    optimizer.step(probe.namedParameters(), scope);
    NDArray reversal = scope.create(-weight); // kept referenced: a scalar freed early corrupts a gradient
    NDArray out = features.getGradient().mul(reversal);
    out.attach(scope);
    return out;
  }

  /** L_adv: the mean cross-entropy of the adversary's client prediction over the counted members' rows. */
  NDArray loss(NDArray features, List<CutBatch.Member> counted, NDManager scope) {
    int rows = (int) features.getShape().get(0);
    float[] targets = new float[rows];
    float[] weights = new float[rows];
    long countedRows = counted.stream().mapToLong(CutBatch.Member::batch).sum();
    for (CutBatch.Member m : counted) { // per member, over its rows of the batch (not over tensor elements)
      java.util.Arrays.fill(targets, m.row(), m.row() + m.batch(), target(m.client()));
      java.util.Arrays.fill(weights, m.row(), m.row() + m.batch(), 1f / countedRows);
    }
    NDArray oneHot = scope.create(targets).toType(DataType.INT64, false).oneHot(clients, DataType.FLOAT32);
    NDArray rowWeights = scope.create(weights).expandDims(1);
    return probe.forward(features).logSoftmax(1).mul(oneHot).mul(rowWeights).sum().neg();
  }
}
