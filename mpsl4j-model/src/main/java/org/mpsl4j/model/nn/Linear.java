package org.mpsl4j.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.mpsl4j.model.Initializer;
import org.mpsl4j.model.Module;
import org.mpsl4j.model.Parameter;

/** y = x Wᵀ + b over the last axis; {@code weight} is (out, in) as in {@code torch.nn.Linear}. */
public final class Linear extends Module {
  private final Parameter weight;
  private final Parameter bias;
  private final int in;
  private final int out;

  public Linear(NDManager manager, int in, int out, Random rng) {
    this(manager, in, out, Initializer.truncatedNormal(0.02), rng);
  }

  public Linear(NDManager manager, int in, int out, Initializer weightInit, Random rng) {
    this.in = in;
    this.out = out;
    weight = addParameter(manager, "weight", new Shape(out, in), weightInit, rng);
    bias = addParameter(manager, "bias", new Shape(out), Initializer.zeros(), rng);
  }

  public NDArray forward(NDArray x) {
    if (x.getShape().get(x.getShape().dimension() - 1) != in) {
      throw new IllegalArgumentException(
          "Linear(" + in + "→" + out + ") got input of shape " + x.getShape() + "; the last axis must be " + in);
    }
    return ai.djl.nn.core.Linear.linear(x, weight.array(), bias.array()).singletonOrThrow();
  }

  public int inFeatures() {
    return in;
  }

  public int outFeatures() {
    return out;
  }
}
