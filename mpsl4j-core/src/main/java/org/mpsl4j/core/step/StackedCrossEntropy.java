package org.mpsl4j.core.step;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The plain client loss of many clients in one pass (issue 18): each client's mean cross-entropy of its rows of the
 * server's logits against its own labels, its output gradient weighted by bᵢ/B, and its correct count, as
 * {@link ClientSplitStep#outputGradient} computes them one client at a time ({@link OutputLoss#crossEntropy} with no
 * defenses and no client head). The per-client path spends some thirty native calls per client (decode, autograd
 * through the loss, the label checks, the count, the weight, the encode), on a 1 × K slice at one sample per client;
 * here all of a frame's rows take about as many.
 *
 * <p>The gradient is written out rather than taken by autograd, in the order libtorch's backward of
 * {@code logSoftmax(z)·onehot → sum → neg → ÷bᵢ} evaluates it (softmax·(1/bᵢ) − onehot·(1/bᵢ), then ×bᵢ/B), so that
 * it agrees with the per-client path to float rounding ({@code StackedCrossEntropyTest}).
 */
public final class StackedCrossEntropy {
  private StackedCrossEntropy() {}

  /**
   * Each client's reply: its rows of {@code gradient} (in the joined order), its mean loss and its correct count.
   */
  public record Result(NDArray gradient, float[] losses, int[] correct) {}

  /**
   * @param logits the clients' output rows joined, (R, K)
   * @param labels their labels in the same order, (R), any integer type
   * @param rows each client's number of rows, in order (each at least 1; they add up to R)
   * @param totalBatch B, the step's total batch (the weight of client i is bᵢ/B)
   * @param scope owns every array made here
   * @return the clients' gradients, losses and counts, or null when a label is outside [0, K) (the per-client path
   *     then reports it, naming the client)
   */
  public static Result apply(NDArray logits, NDArray labels, int[] rows, int totalBatch, NDManager scope) {
    Shape shape = logits.getShape();
    if (shape.dimension() != 2 || labels.getShape().dimension() != 1 || labels.getShape().get(0) != shape.get(0)) {
      throw new IllegalArgumentException("logits " + shape + " and labels " + labels.getShape() + " do not match");
    }
    long r = shape.get(0);
    int classes = (int) shape.get(1);
    NDArray longLabels = labels.toType(DataType.INT64, false);
    long[] range = longLabels.min().toType(DataType.INT64, false).reshape(1)
        .concat(longLabels.max().toType(DataType.INT64, false).reshape(1)).toLongArray();
    if (range[0] < 0 || range[1] >= classes) {
      return null;
    }
    float[] inverse = new float[Math.toIntExact(r)];
    float[] weight = new float[inverse.length];
    int total = Math.max(1, totalBatch);
    int row = 0;
    for (int b : rows) {
      if (b < 1) {
        throw new IllegalArgumentException("a client with " + b + " rows");
      }
      java.util.Arrays.fill(inverse, row, row + b, 1f / b);
      java.util.Arrays.fill(weight, row, row + b, (float) b / total);
      row += b;
    }
    if (row != r) {
      throw new IllegalArgumentException("rows add up to " + row + ", not " + r);
    }
    NDArray oneHot = longLabels.oneHot(classes, DataType.FLOAT32);
    NDArray logp = logits.logSoftmax(1);
    NDArray inv = scope.create(inverse, new Shape(r, 1));
    NDArray gradient = logp.exp().mul(inv).sub(oneHot.mul(inv)).mul(scope.create(weight, new Shape(r, 1)));
    float[] rowLoss = logp.mul(oneHot).sum(new int[] {1}).neg().toFloatArray();
    boolean[] rowCorrect = logits.argMax(1).toType(DataType.INT64, false).eq(longLabels).toBooleanArray();
    float[] losses = new float[rows.length];
    int[] correct = new int[rows.length];
    row = 0;
    for (int i = 0; i < rows.length; i++) {
      // Per client, a sum over its own few rows (not over the tensor): the mean it reports.
      float sum = 0;
      for (int k = row; k < row + rows[i]; k++) {
        sum += rowLoss[k];
        correct[i] += rowCorrect[k] ? 1 : 0;
      }
      losses[i] = sum / rows[i];
      row += rows[i];
    }
    return new Result(gradient, losses, correct);
  }
}
