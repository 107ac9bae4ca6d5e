package org.mpsl4j.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.ServerModel;
import org.mpsl4j.model.TokenizerKind;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.model.tokenizer.Tokens;
import org.mpsl4j.model.train.Adam;
import org.mpsl4j.model.train.Losses;

/**
 * Time of one training step (forward, backward, Adam on both parts) and of one forward pass of a
 * whole model on a fixed random batch. Inputs are made once, so only model compute is measured.
 */
public final class StepBenchmark {
  private StepBenchmark() {}

  /** Results: forward-only and full training step timings. */
  public record Result(String model, int batch, int tokens, Timings forward, Timings trainStep) {
    public double trainSamplesPerSecond() {
      return batch / trainStep.median();
    }
  }

  public static Result run(String name, ModelConfig config, int batch, int warmup, int iterations, long seed) {
    try (NDManager manager = NDManager.newBaseManager()) {
      Random rng = new Random(seed);
      ClientModel client = new ClientModel(manager, config, rng);
      ServerModel server = new ServerModel(manager, config, rng);
      Adam clientOpt = new Adam(manager, 1e-4f);
      Adam serverOpt = new Adam(manager, 1e-4f);
      Map<String, NDArray> inputs = new java.util.LinkedHashMap<>();
      for (TokenizerSpec t : config.tokenizers()) {
        long[] shape = new long[t.inputShape().length + 1];
        shape[0] = batch;
        for (int i = 0; i < t.inputShape().length; i++) {
          shape[i + 1] = t.inputShape()[i];
        }
        inputs.put(t.input(), t.kind() == TokenizerKind.TEXT
            ? manager.randomInteger(0, t.vocabSize(), new Shape(shape), ai.djl.ndarray.types.DataType.INT64)
            : manager.randomNormal(new Shape(shape)));
      }
      NDArray labels = manager.randomInteger(0, config.head().outputs(), new Shape(batch), ai.djl.ndarray.types.DataType.INT64);

      double[] fwd = new double[iterations];
      double[] train = new double[iterations];
      for (int i = -warmup; i < iterations; i++) {
        try (NDManager step = manager.newSubManager(); Autograd.NoGrad ng = Autograd.noGrad()) {
          long t0 = System.nanoTime();
          server.forward(client.forward(scoped(inputs, step), Map.of()), false).toFloatArray();
          if (i >= 0) {
            fwd[i] = (System.nanoTime() - t0) / 1e9;
          }
        }
        try (NDManager step = manager.newSubManager()) {
          long t0 = System.nanoTime();
          try (Autograd.Recording r = Autograd.record()) {
            List<Tokens> tokens = client.forward(scoped(inputs, step), Map.of());
            NDArray loss = Losses.crossEntropy(server.forward(tokens, true), labels);
            Autograd.backward(loss);
          }
          clientOpt.step(client.namedParameters(), step);
          serverOpt.step(server.namedParameters(), step);
          step.zeros(new Shape(1)).toFloatArray(); // synchronize: CPU ops are eager, this is a no-op fence
          if (i >= 0) {
            train[i] = (System.nanoTime() - t0) / 1e9;
          }
        }
      }
      return new Result(name, batch, config.encoderTokens(), Timings.of(fwd), Timings.of(train));
    }
  }

  /** Views of the fixed inputs whose op results land in {@code step} (the first operand's manager). */
  private static Map<String, NDArray> scoped(Map<String, NDArray> inputs, NDManager step) {
    Map<String, NDArray> out = new java.util.LinkedHashMap<>();
    inputs.forEach((k, v) -> {
      NDArray copy = v.duplicate();
      copy.attach(step);
      out.put(k, copy);
    });
    return out;
  }
}
