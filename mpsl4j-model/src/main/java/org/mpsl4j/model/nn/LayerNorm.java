package org.mpsl4j.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.mpsl4j.model.Initializer;
import org.mpsl4j.model.Module;
import org.mpsl4j.model.Parameter;

/** Layer normalization over the last axis, with {@code weight} (γ) and {@code bias} (β). */
public final class LayerNorm extends Module {
  private final Parameter weight;
  private final Parameter bias;
  private final int width;
  private final float eps;

  public LayerNorm(NDManager manager, int width, float eps, Random rng) {
    this.width = width;
    this.eps = eps;
    weight = addParameter(manager, "weight", new Shape(width), Initializer.ones(), rng);
    bias = addParameter(manager, "bias", new Shape(width), Initializer.zeros(), rng);
  }

  public NDArray forward(NDArray x) {
    return ai.djl.nn.norm.LayerNorm.layerNorm(x, new Shape(width), weight.array(), bias.array(), eps)
        .singletonOrThrow();
  }
}
