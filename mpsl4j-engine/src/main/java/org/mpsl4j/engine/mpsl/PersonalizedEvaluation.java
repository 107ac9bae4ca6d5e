package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.mpsl4j.core.data.BatchTensors;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.tokenizer.Tokens;
import org.mpsl4j.model.train.Objective;
import org.mpsl4j.protocol.CodecSpec;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.TensorLimits;
import org.mpsl4j.protocol.v1.Activations;
import org.mpsl4j.protocol.v1.Outputs;
import org.mpsl4j.protocol.v1.EvalReport;

/**
 * A client's personalized evaluation at an epoch end: its local test share through its own tokenizers, the server
 * model's outputs for them back, scored here with its own labels (only the counts leave). Holds the test labels between
 * the two messages.
 */
final class PersonalizedEvaluation implements AutoCloseable {
  private final String clientId;
  private final ModelConfig modelConfig;
  private final ClientModel model;
  private final NDManager manager;
  private final TensorLimits limits;
  private LabeledDataset testData;
  private int[] testIndices = new int[0];
  private Pending pending;
  private double lastAccuracy = Double.NaN;

  /** An evaluation between sending test activations and receiving their outputs. */
  private record Pending(long step, NDManager scope, NDArray labels) {}

  PersonalizedEvaluation(String clientId, ModelConfig modelConfig, ClientModel model, NDManager manager,
      TensorLimits limits) {
    this.clientId = clientId;
    this.modelConfig = modelConfig;
    this.model = model;
    this.manager = manager;
    this.limits = limits;
  }

  /** Sets the local test share: at most {@value MessageLimits#MAX_EVAL_SAMPLES} samples. */
  void testShare(LabeledDataset test, int[] indices) {
    if (indices.length > MessageLimits.MAX_EVAL_SAMPLES) {
      throw new IllegalArgumentException("client '" + clientId + "' local test share of " + indices.length
          + " samples exceeds " + MessageLimits.MAX_EVAL_SAMPLES);
    }
    this.testData = test;
    this.testIndices = indices.clone();
  }

  /** Accuracy of the last evaluation (NaN before the first or without a test share). */
  double lastAccuracy() {
    return lastAccuracy;
  }

  /** The test share's activations for {@code step}, or null without a test share. */
  Activations activations(long step, CodecSpec codecUp) {
    close();
    if (testIndices.length == 0) {
      return null;
    }
    NDManager scope = manager.newSubManager();
    BatchTensors t = BatchTensors.of(testData.batch(testIndices), scope);
    List<Tokens> acts;
    try (Autograd.NoGrad ng = Autograd.noGrad()) {
      acts = model.forward(t.inputs(), t.masks());
    }
    pending = new Pending(step, scope, t.labels());
    return WireClientStep.activations(modelConfig, acts, codecUp);
  }

  /**
   * Scores the server's outputs for the pending test share with this client's head (when it runs one) and labels.
   *
   * @throws IllegalStateException if no evaluation of {@code step} is pending
   */
  EvalReport report(long step, Outputs outputs) {
    if (pending == null || pending.step() != step) {
      throw new IllegalStateException("evaluation outputs for step " + step + " without a pending evaluation");
    }
    try {
      NDArray z = TensorCodec.decode(outputs.getValues(), pending.scope(), limits, "evaluation outputs");
      try (Autograd.NoGrad ng = Autograd.noGrad()) {
        z = model.outputs(z); // the client's head, when it runs one
      }
      int correct = Objective.of(modelConfig.head()).correct(z, pending.labels());
      int total = (int) pending.labels().getShape().get(0);
      lastAccuracy = (double) correct / total;
      return EvalReport.newBuilder().setCorrect(correct).setTotal(total).build();
    } finally {
      close();
    }
  }

  /** Frees a pending evaluation's tensors. */
  @Override
  public void close() {
    if (pending != null) {
      pending.scope().close();
      pending = null;
    }
  }
}
