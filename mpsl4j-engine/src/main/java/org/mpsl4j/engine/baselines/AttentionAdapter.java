package org.mpsl4j.engine.baselines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Random;
import org.mpsl4j.model.Module;
import org.mpsl4j.model.nn.Linear;

/**
 * FedCLIP's attention adapter (Lu et al., 2023): a ⊙ x with a = softmax(W₂ tanh(W₁ x + b₁) + b₂), over
 * a pooled feature x of width d. Small (2·d·h + h + d parameters) and the only new part FedCLIP trains
 * on top of a frozen encoder. Parameters: {@code fc1.*}, {@code fc2.*}.
 */
public final class AttentionAdapter extends Module {
  private final Linear fc1;
  private final Linear fc2;

  public AttentionAdapter(NDManager manager, int width, int hidden, Random rng) {
    fc1 = addChild("fc1", new Linear(manager, width, hidden, rng));
    fc2 = addChild("fc2", new Linear(manager, hidden, width, rng));
  }

  /** @param pooled (B, d); returns (B, d) */
  public NDArray forward(NDArray pooled) {
    NDArray attention = fc2.forward(fc1.forward(pooled).tanh()).softmax(-1);
    return pooled.mul(attention);
  }

  /** Forward MACs per sample (two matrix products). */
  public static long forwardMacs(int width, int hidden) {
    return 2L * width * hidden;
  }
}
