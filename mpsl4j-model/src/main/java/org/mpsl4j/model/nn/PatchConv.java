package org.mpsl4j.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv2d;
import java.util.Random;
import org.mpsl4j.model.Initializer;
import org.mpsl4j.model.Module;
import org.mpsl4j.model.Parameter;

/**
 * A convolution whose stride equals its kernel: it cuts the input into non-overlapping patches and
 * projects each to {@code width}. 2-D for images and spectrograms (weight width × C × p × p), 1-D for
 * time series (weight width × C × p). Output is always tokens: (B, patches, width).
 */
public final class PatchConv extends Module {
  private final Parameter weight;
  private final Parameter bias;
  private final int patch;
  private final boolean twoD;

  public PatchConv(NDManager manager, int channels, int width, int patch, boolean twoD, Random rng) {
    this.patch = patch;
    this.twoD = twoD;
    long fanIn = (long) channels * patch * (twoD ? patch : 1);
    Shape shape = twoD ? new Shape(width, channels, patch, patch) : new Shape(width, channels, patch);
    weight = addParameter(manager, "weight", shape, Initializer.fanInUniform(fanIn), rng);
    bias = addParameter(manager, "bias", new Shape(width), Initializer.fanInUniform(fanIn), rng);
  }

  public NDArray forward(NDArray x) {
    NDArray y;
    if (twoD) {
      y = Conv2d.conv2d(x, weight.array(), bias.array(), new Shape(patch, patch)).singletonOrThrow();
    } else {
      y = Conv1d.conv1d(x, weight.array(), bias.array(), new Shape(patch)).singletonOrThrow();
    }
    long b = y.getShape().get(0);
    long w = y.getShape().get(1);
    return y.reshape(b, w, -1).transpose(0, 2, 1);
  }
}
