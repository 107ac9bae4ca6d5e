package org.mpsl4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Objects;

/**
 * One learnable tensor of a {@link Module}.
 *
 * <p>The array belongs to the manager the model was built with and lives as long as the model.
 * Whether it is trained is a flag that can change (fine-tuning only the last k encoder blocks), and
 * the flag decides whether autograd records gradients for it.
 */
public final class Parameter {
  private final String name;
  private final NDArray array;
  private boolean trainable;

  Parameter(String name, NDArray array) {
    this.name = Objects.requireNonNull(name, "name");
    this.array = Objects.requireNonNull(array, "array");
    setTrainable(true);
  }

  /** The local name inside its owning module, e.g. {@code weight}. */
  public String name() {
    return name;
  }

  /** The live tensor. Callers must not close it; the model's manager owns it. */
  public NDArray array() {
    return array;
  }

  public Shape shape() {
    return array.getShape();
  }

  public boolean isTrainable() {
    return trainable;
  }

  /** Turns gradient recording for this tensor on or off. */
  public void setTrainable(boolean trainable) {
    this.trainable = trainable;
    array.setRequiresGradient(trainable);
  }

  /**
   * The accumulated gradient, as a new handle owned by {@code scope} (so that the handle is freed
   * with the step, not kept until the model closes). Zeros if no backward pass reached it yet.
   */
  public NDArray gradient(NDManager scope) {
    if (!trainable) {
      throw new IllegalStateException("parameter '" + name + "' is frozen and has no gradient");
    }
    NDArray grad = array.getGradient();
    grad.attach(scope);
    return grad;
  }

  /** Resets the accumulated gradient to zero; libtorch accumulates across backward passes. */
  public void zeroGradient() {
    if (trainable) {
      Autograd.zeroGradient(array);
    }
  }

  /** Overwrites the values in place (checkpoint loading, FedAvg); the shape must match. */
  public void copyFrom(NDArray values) {
    if (!values.getShape().equals(array.getShape())) {
      throw new IllegalArgumentException(
          "parameter '" + name + "' has shape " + array.getShape() + " but the new values have " + values.getShape());
    }
    boolean wasTrainable = trainable;
    try (Autograd.NoGrad ignored = Autograd.noGrad()) {
      array.set(values.toType(array.getDataType(), false).toByteBuffer());
    }
    trainable = wasTrainable;
  }

  @Override
  public String toString() {
    return name + array.getShape() + (trainable ? "" : " (frozen)");
  }
}
