package org.mpsl4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The one place where mpsl4j talks to libtorch's autograd directly.
 *
 * <p>Why not DJL's {@code GradientCollector}: DJL allows only one collector per JVM, but split
 * learning needs to backpropagate an <em>external</em> gradient (the cut-layer gradient that came
 * over the wire) and an embedded simulation runs several clients and a server in one JVM. libtorch's
 * grad mode is per thread, and {@link #backward(NDArray, NDArray)} takes the output gradient
 * explicitly, which is exactly the split-learning contract.
 *
 * <p>Thread-safety: {@link #record()} and {@link #noGrad()} change the calling thread's grad mode
 * only. Backward passes over graphs that share no tensors may run on different threads.
 */
public final class Autograd {
  private Autograd() {}

  /** A scope that restores the previous grad mode of this thread when closed. */
  public static final class Recording implements AutoCloseable {
    private final boolean previous;

    private Recording(boolean enabled) {
      previous = JniUtils.isGradMode();
      JniUtils.setGradMode(enabled);
    }

    @Override
    public void close() {
      JniUtils.setGradMode(previous);
    }
  }

  /** Same as {@link Recording}, for code that must not record (evaluation, optimizer updates). */
  public static final class NoGrad implements AutoCloseable {
    private final Recording delegate;

    private NoGrad() {
      delegate = new Recording(false);
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

  /** Starts recording operations on this thread for a later backward pass. */
  public static Recording record() {
    return new Recording(true);
  }

  /** Whether this thread records operations for a backward pass (training, not evaluation). */
  public static boolean isRecording() {
    return JniUtils.isGradMode();
  }

  /** Stops recording on this thread until the returned scope closes. */
  public static NoGrad noGrad() {
    return new NoGrad();
  }

  /**
   * Backpropagates {@code outputGradient} (same shape as {@code output}) through the graph that
   * produced {@code output}, accumulating into the gradients of every leaf that requires one. The
   * graph is freed afterwards.
   */
  public static void backward(NDArray output, NDArray outputGradient) {
    if (!output.getShape().equals(outputGradient.getShape())) {
      throw new IllegalArgumentException(
          "output gradient has shape " + outputGradient.getShape() + " but the output has " + output.getShape());
    }
    JniUtils.backward(pt(output), pt(outputGradient), false, false);
  }

  /** Backpropagates a scalar loss (gradient one). */
  public static void backward(NDArray scalarLoss) {
    if (scalarLoss.getShape().size() != 1) {
      throw new IllegalArgumentException("loss must be a scalar but has shape " + scalarLoss.getShape());
    }
    backward(scalarLoss, scalarLoss.onesLike());
  }

  /** Makes {@code array} a leaf that collects a gradient (the server's view of received activations). */
  public static NDArray leaf(NDArray array) {
    array.setRequiresGradient(true);
    return array;
  }

  static void zeroGradient(NDArray array) {
    JniUtils.zeroGrad(pt(array));
  }

  private static PtNDArray pt(NDArray array) {
    if (array instanceof PtNDArray) {
      return (PtNDArray) array;
    }
    throw new IllegalArgumentException(
        "mpsl4j runs on DJL's PyTorch engine, but got an array of " + array.getClass().getName());
  }
}
