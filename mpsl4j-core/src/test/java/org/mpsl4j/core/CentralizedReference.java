package org.mpsl4j.core;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mpsl4j.core.data.BatchTensors;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.ServerModel;
import org.mpsl4j.model.tokenizer.Tokens;
import org.mpsl4j.model.train.Adam;
import org.mpsl4j.model.train.Losses;

/**
 * Centralized training of the same model on the same rows, with no cut: one tokenizer and one server
 * model from the fixture's seed, the named clients' batches concatenated, the mean cross-entropy over
 * all their rows, one backward pass and one Adam step. What the split step must reproduce.
 */
final class CentralizedReference {
  /** Server parameters after the step, by name. */
  final Map<String, float[]> serverParams = new HashMap<>();
  /** ∂L/∂A per client and input, for that client's rows. */
  final Map<String, List<float[]>> cutGradients = new HashMap<>();
  /** ∂L/∂θ of the one tokenizer every row went through, by parameter name (before any step). */
  final Map<String, float[]> tokenizerGradients = new HashMap<>();

  CentralizedReference(SplitFixture f, List<String> clientIds) {
    try (NDManager m = NDManager.newBaseManager()) {
      Random rng = new Random(SplitFixture.SEED);
      ClientModel tokenizers = new ClientModel(m, SplitFixture.MODEL, rng);
      ServerModel server = new ServerModel(m, SplitFixture.MODEL, rng);
      List<List<NDArray>> leaves = new ArrayList<>();
      List<List<Tokens>> recorded = new ArrayList<>(); // the tokenizer's outputs with their graph

      List<NDArray> masks = new ArrayList<>();
      List<NDArray> labels = new ArrayList<>();
      for (String id : clientIds) {
        BatchTensors b = BatchTensors.of(f.data.batch(f.memory.client(id).epochOrder(0)), m);
        List<NDArray> perInput = new ArrayList<>();
        List<Tokens> tokens;
        try (Autograd.Recording r = Autograd.record()) {
          tokens = tokenizers.forward(b.inputs(), b.masks());
        }
        recorded.add(tokens);
        for (Tokens t : tokens) {
          perInput.add(Autograd.leaf(t.values().stopGradient()));
        }
        leaves.add(perInput);
        masks.add(tokens.get(1).mask());
        labels.add(b.labels());
      }
      try (Autograd.Recording r = Autograd.record()) {
        NDArray image = NDArrays.concat(new NDList(leaves.stream().map(l -> l.get(0)).toList()), 0);
        NDArray text = NDArrays.concat(new NDList(leaves.stream().map(l -> l.get(1)).toList()), 0);
        NDArray mask = NDArrays.concat(new NDList(masks), 0);
        NDArray loss = Losses.crossEntropy(server.forward(List.of(new Tokens(image, null), new Tokens(text, mask)), true),
            NDArrays.concat(new NDList(labels), 0));
        System.gc(); // a scalar freed before backward would corrupt the gradient (docs/ARCHITECTURE.md, "Native memory and autograd")
        Autograd.backward(loss);
      }
      for (int i = 0; i < clientIds.size(); i++) {
        cutGradients.put(clientIds.get(i), leaves.get(i).stream().map(a -> a.getGradient().toFloatArray()).toList());
        for (int input = 0; input < leaves.get(i).size(); input++) { // the chain rule through the one tokenizer
          Autograd.backward(recorded.get(i).get(input).values(), leaves.get(i).get(input).getGradient());
        }
      }
      tokenizers.namedParameters().forEach((n, p) -> tokenizerGradients.put(n, p.array().getGradient().toFloatArray()));
      try (NDManager scope = m.newSubManager()) {
        new Adam(m, SplitFixture.LR).step(server.namedParameters(), scope);
      }
      server.namedParameters().forEach((n, p) -> serverParams.put(n, p.array().toFloatArray()));
    }
  }

  static float maxAbsDiff(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new AssertionError("lengths " + a.length + " and " + b.length);
    }
    float max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }
}
