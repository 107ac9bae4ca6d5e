package org.mpsl4j.model.train;

import ai.djl.ndarray.NDArray;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelChoices;
import org.mpsl4j.model.retrieval.InfoNce;

/**
 * What a batch of model outputs is trained against, chosen by the head: class logits against labels
 * (cross-entropy), or paired embeddings against each other (symmetric InfoNCE, labels unused). Whoever
 * holds a batch (a client in MPSL, the whole model in centralized and federated training) calls it.
 */
public interface Objective {
  /** The mean loss over the batch's rows, a scalar; record autograd around it for its gradient. */
  NDArray loss(NDArray outputs, NDArray labels);

  /** Rows scored right: arg-max equals the label, or (retrieval) the own partner ranks first in the batch. */
  int correct(NDArray outputs, NDArray labels);

  /** The objective of a model with {@code head}. */
  static Objective of(HeadConfig head) {
    return ModelChoices.task(head) == ModelChoices.Task.RETRIEVAL ? CONTRASTIVE : CLASSIFICATION;
  }

  /** Softmax cross-entropy against the labels. */
  Objective CLASSIFICATION = new Objective() {
    @Override
    public NDArray loss(NDArray outputs, NDArray labels) {
      return Losses.crossEntropy(outputs, labels);
    }

    @Override
    public int correct(NDArray outputs, NDArray labels) {
      return Losses.correct(outputs, labels);
    }
  };

  /** Symmetric InfoNCE over the batch's pairs; labels are not used. */
  Objective CONTRASTIVE = new Objective() {
    @Override
    public NDArray loss(NDArray outputs, NDArray labels) {
      return InfoNce.loss(outputs);
    }

    @Override
    public int correct(NDArray outputs, NDArray labels) {
      return InfoNce.matches(outputs);
    }
  };
}
