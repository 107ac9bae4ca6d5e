package org.mpsl4j.privacy.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.Initializer;
import org.mpsl4j.model.Module;
import org.mpsl4j.model.TokenizerKind;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.model.tokenizer.Tokens;
import org.mpsl4j.model.train.Adam;

/**
 * Input reconstruction by optimization, for where the least-squares patch inversion does not apply: the client's
 * weights are not known exactly (a secret seed; only a guess such as the epoch-end average), or the cut lies inside the
 * encoder (client blocks after the tokenizer). Gradient descent (Adam) on the inputs x minimizes
 * ‖f(x) − a‖² / n + λ·TV(x), with f the client part of the model under the attacker's weight guess, a the received
 * activations, and TV the mean absolute difference of neighbouring pixels (or time steps), the usual image prior of
 * inversion attacks (e.g. He et al., "Model Inversion Attacks against Collaborative Inference", 2019); x is kept in the
 * data's value range, which the server knows from public data of the same kind. With {@code learnWeights} the
 * attacker also descends on the weights, starting from the guess (a blind attack: a joint fit of inputs and weights
 * to one batch's activations).
 *
 * <p>Patch inputs only (image, audio, sensor). The model passed in is changed when weights
 * are learned: pass a copy.
 *
 * @param iterations Adam steps on the inputs (and weights)
 * @param learningRate Adam's step size for the inputs
 * @param tvWeight λ of the total-variation prior
 * @param learnWeights whether the weights are fitted too (at a hundredth of the inputs' learning rate)
 * @param low smallest value an input may take (normalized units)
 * @param high largest value an input may take
 */
public record OptimizationInversion(int iterations, float learningRate, float tvWeight, boolean learnWeights,
    float low, float high) {

  public OptimizationInversion {
    if (iterations < 1 || !(learningRate > 0) || !(tvWeight >= 0) || !(low < high)) {
      throw new IllegalArgumentException("optimization inversion needs iterations >= 1, a positive learning rate, "
          + "tvWeight >= 0 and low < high but got " + iterations + ", " + learningRate + ", " + tvWeight + ", ["
          + low + ", " + high + "]");
    }
  }

  /**
   * Reconstructs a batch from its activations.
   *
   * @param model the client part under the attacker's weight guess (changed if weights are learned)
   * @param activations (b, tokens, d) row-major per input, in model order
   * @return (b, *inputShape) row-major per input
   */
  public List<float[]> invert(ClientModel model, List<float[]> activations, int batch) {
    List<TokenizerSpec> specs = model.config().tokenizers();
    if (specs.stream().anyMatch(t -> t.kind() == TokenizerKind.TEXT)) {
      throw new IllegalArgumentException("optimization inversion needs patch inputs only, but the model reads text: "
          + specs.stream().map(TokenizerSpec::input).toList());
    }
    try (NDManager manager = NDManager.newBaseManager()) {
      Guess x = new Guess(manager, specs, batch, (low + high) / 2);
      Adam inputs = new Adam(manager, learningRate);
      Adam weights = new Adam(manager, learningRate / 100);
      List<NDArray> targets = new ArrayList<>();
      int width = model.config().encoder().width();
      for (int i = 0; i < specs.size(); i++) {
        targets.add(manager.create(activations.get(i), new Shape(batch, specs.get(i).tokens(), width)));
      }
      NDArray lambda = manager.create(tvWeight); // kept referenced until backward (see DESIGN.md's scalar trap)
      for (int it = 0; it < iterations; it++) {
        try (NDManager step = manager.newSubManager()) {
          NDArray loss;
          try (Autograd.Recording r = Autograd.record()) {
            // views owned by this iteration's scope: results attach to their first operand's manager, and the guess
            // lives for the whole inversion (200 iterations of forward and total-variation tensors otherwise)
            Map<String, NDArray> in = new java.util.LinkedHashMap<>();
            x.inputs().forEach((name, a) -> in.put(name, a.get(step, new NDIndex())));
            List<Tokens> out = model.forward(in, Map.of());
            loss = null;
            for (int i = 0; i < specs.size(); i++) {
              NDArray term = out.get(i).values().sub(targets.get(i)).square().mean()
                  .add(totalVariation(in.get(specs.get(i).input()), specs.get(i)).mul(lambda));
              loss = loss == null ? term : loss.add(term);
            }
          }
          Autograd.backward(loss);
          inputs.step(x, step);
          if (learnWeights) {
            weights.step(model, step);
          } else {
            model.zeroGradients();
          }
          x.clip(low, high, step);
        }
      }
      List<float[]> result = new ArrayList<>();
      for (TokenizerSpec spec : specs) {
        result.add(x.of(spec).toFloatArray());
      }
      return result;
    }
  }

  /** Mean absolute difference of neighbouring values along the spatial (or time) axes of (b, c, h, w) or (b, c, t). */
  static NDArray totalVariation(NDArray x, TokenizerSpec spec) {
    NDArray time = x.get(new NDIndex("..., 1:")).sub(x.get(new NDIndex("..., :-1"))).abs().mean();
    if (spec.kind() == TokenizerKind.SENSOR) {
      return time;
    }
    return time.add(x.get(new NDIndex(":, :, 1:, :")).sub(x.get(new NDIndex(":, :, :-1, :"))).abs().mean());
  }

  /** The inputs being fitted, one parameter per patch input, started at the middle of the value range. */
  private static final class Guess extends Module {
    private final Map<String, NDArray> arrays = new LinkedHashMap<>();

    Guess(NDManager manager, List<TokenizerSpec> specs, int batch, float start) {
      for (TokenizerSpec spec : specs) {
        long[] shape = new long[spec.inputShape().length + 1];
        shape[0] = batch;
        for (int k = 0; k < spec.inputShape().length; k++) {
          shape[k + 1] = spec.inputShape()[k];
        }
        arrays.put(spec.input(), addParameter(manager, spec.input(), new Shape(shape), Initializer.constant(start),
            new Random(0)).array());
      }
    }

    Map<String, NDArray> inputs() {
      return arrays;
    }

    NDArray of(TokenizerSpec spec) {
      return arrays.get(spec.input());
    }

    /** Projects the inputs back into [low, high], in place and unrecorded. */
    void clip(float low, float high, NDManager scope) {
      try (Autograd.NoGrad g = Autograd.noGrad()) {
        namedParameters().values().forEach(p -> {
          NDArray clipped = p.array().clip(low, high);
          clipped.attach(scope);
          p.copyFrom(clipped);
        });
      }
    }
  }
}
