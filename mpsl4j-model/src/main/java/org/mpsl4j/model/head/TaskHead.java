package org.mpsl4j.model.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.Initializer;
import org.mpsl4j.model.Module;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.model.retrieval.InfoNce;
import org.mpsl4j.model.nn.LayerNorm;
import org.mpsl4j.model.nn.Linear;

/**
 * The last layer of the server model: optional LayerNorm ({@code norm}) and a linear layer
 * ({@code fc}). A CLASSIFICATION head returns logits (B, C); a PROJECTION head returns
 * L2-normalized embeddings (B, e) for contrastive retrieval, times √s where s = exp({@code logitScale})
 * is CLIP's learned inverse temperature: the dot product of two outputs is s times their cosine, the logit
 * the contrastive loss uses ({@link org.mpsl4j.model.retrieval.InfoNce}). Carrying s in the outputs lets the
 * loss be computed by whoever holds the rows (a client or the server) while s is one server parameter that
 * both placements train through the same output gradient; rankings (Recall@K) do not depend on it.
 */
public final class TaskHead extends Module {
  private final LayerNorm norm;
  private final Linear fc;
  private final HeadConfig config;
  /** ln s of a projection head (null for classification): starts at ln(1 / 0.07) as in CLIP. */
  private final Parameter logitScale;

  public TaskHead(NDManager manager, HeadConfig config, int width, float eps, Random rng) {
    this.config = config;
    norm = config.norm() ? addChild("norm", new LayerNorm(manager, width, eps, rng)) : null;
    fc = addChild("fc", new Linear(manager, width, config.outputs(), rng));
    logitScale = config.kind() != HeadConfig.Kind.PROJECTION ? null
        : addParameter(manager, "logitScale", new Shape(1),
            Initializer.constant((float) Math.log(1 / InfoNce.INITIAL_TEMPERATURE)), rng);
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
      // √s = exp(ln s / 2), ln s clamped at ln 100 as CLIP does so that the logits stay bounded.
      NDArray half = out.getManager().create(0.5f);
      NDArray max = out.getManager().create((float) Math.log(InfoNce.MAX_LOGIT_SCALE));
      // max first: results attach to the first operand's manager, and the scale's is the model's, which lives
      // for the whole run (issue 18); minimum is symmetric, so the value and its gradient are unchanged
      out = out.mul(max.minimum(logitScale.array()).mul(half).exp());
    }
    return out;
  }
}
