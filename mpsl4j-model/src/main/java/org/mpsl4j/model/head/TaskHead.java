package org.mpsl4j.model.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Random;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.Module;
import org.mpsl4j.model.nn.LayerNorm;
import org.mpsl4j.model.nn.Linear;

/**
 * The last layer of the server model: optional LayerNorm ({@code norm}) and a linear layer
 * ({@code fc}). A CLASSIFICATION head returns logits (B, C); a PROJECTION head returns
 * L2-normalized embeddings (B, e) for contrastive retrieval.
 */
public final class TaskHead extends Module {
  private final LayerNorm norm;
  private final Linear fc;
  private final HeadConfig config;

  public TaskHead(NDManager manager, HeadConfig config, int width, float eps, Random rng) {
    this.config = config;
    norm = config.norm() ? addChild("norm", new LayerNorm(manager, width, eps, rng)) : null;
    fc = addChild("fc", new Linear(manager, width, config.outputs(), rng));
  }

  public HeadConfig config() {
    return config;
  }

  /** @param pooled (B, d) */
  public NDArray forward(NDArray pooled) {
    NDArray x = norm == null ? pooled : norm.forward(pooled);
    NDArray out = fc.forward(x);
    if (config.kind() == HeadConfig.Kind.PROJECTION) {
      NDArray eps = out.getManager().create(1e-12f);
      out = out.div(out.square().sum(new int[] {-1}, true).sqrt().maximum(eps));
    }
    return out;
  }
}
