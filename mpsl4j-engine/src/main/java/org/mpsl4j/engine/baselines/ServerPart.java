package org.mpsl4j.engine.baselines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.ServerModel;
import org.mpsl4j.model.tokenizer.Tokens;
import org.mpsl4j.model.train.Adam;
import org.mpsl4j.protocol.MalformedTensorException;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.TensorLimits;
import org.mpsl4j.protocol.v1.Activations;
import org.mpsl4j.protocol.v1.CutGrad;
import org.mpsl4j.protocol.v1.InputActivation;
import org.mpsl4j.protocol.v1.OutputGrad;

/**
 * One server-side model and its optimizer, serving split steps: SplitFed v1 keeps one per client,
 * SplitFed v2 and sequential SL one in all. {@link #forward} turns received activations into leaves
 * and runs the model; {@link #backward} applies a client's output gradient, takes one Adam step and
 * returns the cut-layer gradient. Arrays of a step live in the caller's step scope.
 */
public final class ServerPart {
  private final ModelConfig config;
  private final ServerModel model;
  private final Adam optimizer;
  private final TensorLimits limits = new TensorLimits(3, 1L << 28, true);

  /** The state of one client's step between forward and backward. */
  public record Forward(List<Tokens> tokens, NDArray outputs, int batch) {}

  /** Builds the server part every method starts from with {@code seed} (tokenizers are drawn first, then discarded). */
  public ServerPart(NDManager manager, ModelConfig config, long seed, float learningRate) {
    this.config = config;
    Random rng = new Random(seed);
    try (NDManager discard = manager.newSubManager()) {
      new ClientModel(discard, config, rng);
    }
    model = new ServerModel(manager, config, rng);
    optimizer = new Adam(manager, learningRate);
  }

  public ServerModel model() {
    return model;
  }

  public void setLearningRate(float lr) {
    optimizer.setLearningRate(lr);
  }

  /** Bytes of parameters and Adam moments (two per trained parameter) this part keeps. */
  public long stateBytes() {
    return ParameterSets.bytes(model.namedParameters()) + 2 * ParameterSets.bytes(model.trainableParameters());
  }

  /** Decodes one client's activations (checked against the model's inputs) and runs the forward pass. */
  public Forward forward(Activations a, NDManager scope, String who) {
    if (a.getInputsCount() != config.tokenizers().size()) {
      throw new MalformedTensorException(who + ": " + a.getInputsCount() + " inputs but the model reads "
          + config.tokenizers().size());
    }
    List<Tokens> tokens = new ArrayList<>();
    for (int i = 0; i < a.getInputsCount(); i++) {
      InputActivation in = a.getInputs(i);
      String want = config.tokenizers().get(i).input();
      if (!in.getInput().equals(want)) {
        throw new MalformedTensorException(who + ": input " + i + " is '" + in.getInput() + "' but the model reads '" + want + "'");
      }
      NDArray values = Autograd.leaf(TensorCodec.decode(in.getValues(), scope, limits, who + " " + want));
      NDArray mask = in.hasMask() ? TensorCodec.decode(in.getMask(), scope, limits, who + " " + want + " mask") : null;
      tokens.add(new Tokens(values, mask));
    }
    NDArray outputs;
    try (Autograd.Recording r = Autograd.record()) {
      outputs = model.forward(tokens, true);
    }
    return new Forward(tokens, outputs, (int) tokens.get(0).batch());
  }

  /** Backpropagates the client's output gradient, steps the optimizer, and returns ∂L/∂A per input. */
  public CutGrad backward(Forward f, OutputGrad g, NDManager scope, String who) {
    NDArray grad = TensorCodec.decode(g.getGrad(), scope, limits, who + " output gradient");
    if (!grad.getShape().equals(f.outputs().getShape())) {
      throw new MalformedTensorException(who + ": output gradient " + grad.getShape() + " but outputs " + f.outputs().getShape());
    }
    Autograd.backward(f.outputs(), grad);
    optimizer.step(model.namedParameters(), scope);
    CutGrad.Builder cg = CutGrad.newBuilder();
    for (Tokens t : f.tokens()) {
      cg.addGrads(TensorCodec.encode(t.values().getGradient()));
    }
    return cg.build();
  }
}
