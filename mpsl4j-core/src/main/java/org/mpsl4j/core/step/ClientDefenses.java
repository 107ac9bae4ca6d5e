package org.mpsl4j.core.step;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * A client's defenses at the points where its half of a step makes what leaves it: the labels its loss
 * uses, the activations it sends (its own backward pass still runs on the true ones), the output gradient
 * it sends, and whether it reports its loss and correct count. The engine's privacy settings implement it
 * (docs/PRIVACY.md); {@link #NONE} changes nothing.
 */
public interface ClientDefenses {
  /** No defense: the true labels, activations and gradient, loss and correct count reported. */
  ClientDefenses NONE = new ClientDefenses() {
    @Override
    public int[] trainingLabels(int[] sampleIndices, int[] labels) {
      return labels;
    }

    @Override
    public NDArray activations(NDArray a, NDManager scope) {
      return a;
    }

    @Override
    public NDArray outputGradient(NDArray g, NDArray labels, NDManager scope) {
      return g;
    }

    @Override
    public boolean reportsLoss() {
      return true;
    }
  };

  /** The labels the loss is computed with, for the samples {@code sampleIndices} of the client's data. */
  int[] trainingLabels(int[] sampleIndices, int[] labels);

  /** What is sent in place of the cut-layer activations {@code a}. */
  NDArray activations(NDArray a, NDManager scope);

  /**
   * What is sent in place of the output gradient {@code g} (b, k) of the client's mean loss, before the step's weight
   * bᵢ/B is applied; its rows were computed with {@code labels} (b), the labels of {@link #trainingLabels} (a defense
   * may shape its noise by class).
   */
  NDArray outputGradient(NDArray g, NDArray labels, NDManager scope);

  /** Whether the loss and correct count go to the server (otherwise both are sent as 0). */
  boolean reportsLoss();

  /**
   * The loss the client trains with, given its plain one and its model: a defense that acts inside the loss (e.g.
   * training the head on mixes of the batch's representations) replaces it. Called once, when the defenses are set.
   */
  default OutputLoss loss(OutputLoss plain, org.mpsl4j.model.ClientModel model) {
    return plain;
  }
}
