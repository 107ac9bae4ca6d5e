package org.mpsl4j.engine.privacy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.function.UnaryOperator;
import org.mpsl4j.core.step.OutputLoss;
import org.mpsl4j.model.Autograd;

/**
 * A client's classification loss with its label defenses inside the loss, where they act on what the server's
 * gradient is made of rather than on the finished gradient:
 * <ul>
 *   <li><b>mixing</b> ({@link RepresentationMixing}): the head and the loss run on mixes z̃ = M·z of the batch's
 *   representations against the mixed soft labels ỹ = M·y, so the gradient returned for z is Mᵀ·∂L/∂z̃;</li>
 *   <li><b>logit noise</b>: Gaussian noise of σ × the RMS entry of ∂L/∂logits is added to ∂L/∂logits and carried back
 *   through the head, so the returned gradient is noised only in the C directions the head can reach from a
 *   representation (the span of its Jacobian's rows), not in all d of them as {@code --grad-noise} does.</li>
 * </ul>
 * The loss reported is the mixed loss; the correct count is that of the unmixed rows. One instance per client; not
 * thread-safe.
 */
final class MixedLoss implements OutputLoss {
  private final UnaryOperator<NDArray> head;
  private final RepresentationMixing mixing;
  private final double logitNoise;
  private final SeededGaussian gaussian;

  /**
   * @param head the client's head from what the server sends to logits (the identity when the server runs the head)
   * @param mixing the batch's mixing, or null for none
   * @param logitNoise σ of the noise on ∂L/∂logits in units of its RMS entry; 0 is off
   */
  MixedLoss(UnaryOperator<NDArray> head, RepresentationMixing mixing, double logitNoise, SeededGaussian gaussian) {
    this.head = head;
    this.mixing = mixing;
    this.logitNoise = logitNoise;
    this.gaussian = gaussian;
  }

  @Override
  public Result apply(NDArray outputs, NDArray labels) {
    NDManager scope = outputs.getManager();
    int b = Math.toIntExact(outputs.getShape().get(0));
    NDArray z = Autograd.leaf(outputs.duplicate()); // the slice may be a view the server still needs
    float loss;
    NDArray logits;
    try (Autograd.Recording r = Autograd.record()) {
      NDArray mix = mixing == null ? null : scope.create(mixing.matrix(b), new Shape(b, b));
      logits = head.apply(mix == null ? z : mix.matMul(z));
      long classes = logits.getShape().get(1);
      NDArray target = labels.toType(DataType.INT64, false).oneHot((int) classes, DataType.FLOAT32);
      if (mix != null) {
        target = mix.matMul(target);
      }
      NDArray mean = logits.logSoftmax(1).mul(target).sum().neg().div(scope.create((float) b));
      loss = mean.getFloat();
      NDArray objective = mean;
      if (logitNoise != 0) {
        // ∂mean/∂logits = (softmax − ỹ)/b; a term ⟨ε, logits⟩ with ε held constant adds ε to it.
        NDArray logitGradient = logits.stopGradient().softmax(1).sub(target).div(scope.create((float) b));
        float rms = logitGradient.square().mean().sqrt().getFloat();
        NDArray noise = gaussian.draw(logits.getShape(), (float) logitNoise * rms, scope);
        objective = mean.add(logits.mul(noise).sum());
      }
      Autograd.backward(objective);
    }
    int correct;
    try (Autograd.NoGrad n = Autograd.noGrad()) {
      NDArray plain = mixing == null ? logits : head.apply(z.stopGradient());
      correct = (int) plain.argMax(1).toType(DataType.INT64, false).eq(labels.toType(DataType.INT64, false)).sum()
          .toType(DataType.INT64, false).getLong();
    }
    return new Result(loss, z.getGradient(), correct);
  }
}
