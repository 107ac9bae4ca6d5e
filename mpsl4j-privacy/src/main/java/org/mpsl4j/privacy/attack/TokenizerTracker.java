package org.mpsl4j.privacy.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.model.tokenizer.Tokens;
import org.mpsl4j.model.train.Adam;

/**
 * The server's running copy of one client's tokenizers. It starts from the weights the server believes the client
 * started from (the run's seed, which the server uses for its own copy, unless clients draw theirs from a secret), and
 * after each step replays the client's update: the inputs it reconstructed from the step's activations, the cut
 * gradient it sent itself, the learning rate of its own schedule and the public optimizer (Adam). While the
 * reconstruction is exact, so is the copy, and the next step's inversion is exact again.
 *
 * <p>Patch tokenizers only (image, audio, sensor). Owns native memory: close it.
 */
public final class TokenizerTracker implements AutoCloseable {
  private final NDManager manager = NDManager.newBaseManager();
  private final ClientModel model;
  private final Adam optimizer;
  private final ModelConfig config;

  /** @param modelSeed the seed the server assumes the client's tokenizers were drawn from */
  public TokenizerTracker(ModelConfig config, long modelSeed, float learningRate) {
    this.config = config;
    this.model = new ClientModel(manager, config, new Random(modelSeed));
    this.optimizer = new Adam(manager, learningRate);
  }

  /** Inverts each input of a step's activations with the current copy: (b, *inputShape) per input, in model order. */
  public List<float[]> invert(List<float[]> activations, int batch) {
    List<float[]> out = new ArrayList<>();
    for (int i = 0; i < config.tokenizers().size(); i++) {
      out.add(inversion(config.tokenizers().get(i)).invert(activations.get(i), batch));
    }
    return out;
  }

  /** Replays the client's step: forward on {@code inputs}, backward of {@code cutGrads}, one Adam step at {@code lr}. */
  public void replay(List<float[]> inputs, List<float[]> cutGrads, int batch, float lr) {
    try (NDManager scope = manager.newSubManager()) {
      Map<String, NDArray> x = new LinkedHashMap<>();
      for (int i = 0; i < config.tokenizers().size(); i++) {
        TokenizerSpec spec = config.tokenizers().get(i);
        long[] shape = new long[spec.inputShape().length + 1];
        shape[0] = batch;
        for (int k = 0; k < spec.inputShape().length; k++) {
          shape[k + 1] = spec.inputShape()[k];
        }
        x.put(spec.input(), scope.create(inputs.get(i), new Shape(shape)));
      }
      model.zeroGradients();
      List<Tokens> acts;
      try (Autograd.Recording r = Autograd.record()) {
        acts = model.forward(x, Map.of());
      }
      for (int i = 0; i < acts.size(); i++) {
        NDArray g = scope.create(cutGrads.get(i), acts.get(i).values().getShape());
        Autograd.backward(acts.get(i).values(), g);
      }
      optimizer.setLearningRate(lr);
      optimizer.step(model.namedParameters(), scope);
    }
  }

  /** The copy's parameters by full name, as flat arrays (to compare with an uploaded tokenizer). */
  public Map<String, float[]> parameters() {
    Map<String, float[]> out = new HashMap<>();
    model.namedParameters().forEach((name, p) -> out.put(name, p.array().toFloatArray()));
    return out;
  }

  /** The copy itself, for attacks that run it (e.g. {@link OptimizationInversion}); the tracker still owns it. */
  public ClientModel model() {
    return model;
  }

  /** Replaces the copy's weights (e.g. with the epoch-end average the server computed). */
  public void load(Map<String, float[]> weights) {
    for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
      float[] v = weights.get(e.getKey());
      if (v != null) {
        try (NDManager scope = manager.newSubManager()) {
          e.getValue().copyFrom(scope.create(v, e.getValue().shape()));
        }
      }
    }
  }

  private PatchInversion inversion(TokenizerSpec spec) {
    Map<String, float[]> params = new HashMap<>();
    String prefix = spec.input() + ".";
    model.namedParameters().forEach((name, p) -> {
      if (name.startsWith(prefix)) {
        params.put(name.substring(prefix.length()), p.array().toFloatArray());
      }
    });
    return new PatchInversion(spec, config.encoder().width(), params);
  }

  @Override
  public void close() {
    manager.close();
  }
}
