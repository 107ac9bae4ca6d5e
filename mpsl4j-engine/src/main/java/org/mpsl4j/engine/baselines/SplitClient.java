package org.mpsl4j.engine.baselines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.engine.BatchTensors;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.train.Adam;
import org.mpsl4j.model.train.Losses;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.TensorLimits;
import org.mpsl4j.protocol.v1.Activations;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.InputActivation;
import org.mpsl4j.protocol.v1.NoData;
import org.mpsl4j.protocol.v1.OutputGrad;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.StepBegin;

/**
 * A split-learning client (SplitFed v1/v2, sequential SL): the same client part and step messages as
 * an MPSL client (StepBegin → Activations, Outputs → OutputGrad, CutGrad → local backward and Adam
 * step), plus the model exchange of these methods: {@code global_model} replaces its client part,
 * {@code EpochEnd} asks for its client part back as {@code model_update}. Labels stay here.
 */
public final class SplitClient extends BaselineClient {
  private final ModelConfig config;
  private final NDManager manager;
  private final ClientModel model;
  private final Adam optimizer;
  private final LabeledDataset data;
  private final int[] indices;
  private final int batchSize;
  private final long dataSeed;
  private final TensorLimits limits = new TensorLimits(3, 1L << 28, true);
  private Pending pending;

  /** The state of a step between sending activations and receiving the cut-layer gradient. */
  private record Pending(long step, NDManager scope, List<org.mpsl4j.model.tokenizer.Tokens> activations,
      NDArray labels, int batch) {}

  public SplitClient(String clientId, ModelConfig config, long modelSeed, LabeledDataset data, int[] indices,
      int batchSize, long dataSeed, float learningRate) {
    super(clientId, config.tokenizers(), indices.length, batchSize);
    this.config = config;
    this.manager = NDManager.newBaseManager();
    this.model = new ClientModel(manager, config, new Random(modelSeed));
    this.optimizer = new Adam(manager, learningRate);
    this.data = data;
    this.indices = indices.clone();
    this.batchSize = batchSize;
    this.dataSeed = dataSeed;
  }

  public ClientModel model() {
    return model;
  }

  @Override
  protected List<ClientMessage> handle(ServerMessage m) {
    return switch (m.getBodyCase()) {
      case GLOBAL_MODEL -> {
        try (NDManager scope = manager.newSubManager()) {
          ParameterSets.load(m.getGlobalModel(), model.namedParameters(), scope,
              "client part for client '" + clientId() + "'");
        }
        yield List.of();
      }
      case STEP_BEGIN -> List.of(beginStep(m.getStep(), m.getStepBegin()));
      case OUTPUTS -> List.of(outputGradient(m));
      case CUT_GRAD -> {
        applyCutGradient(m);
        yield List.of();
      }
      case EPOCH_END -> List.of(reply(m.getStep())
          .setModelUpdate(ParameterSets.encode(model.namedParameters(), indices.length)).build());
      default -> List.of();
    };
  }

  private ClientMessage beginStep(long step, StepBegin begin) {
    dropPending();
    optimizer.setLearningRate(begin.getLearningRate());
    int[] order = EpochOrder.of(indices, dataSeed, begin.getEpoch());
    int from = begin.getStepInEpoch() * batchSize;
    if (from >= order.length) {
      return reply(step).setNoData(NoData.getDefaultInstance()).build();
    }
    int[] idx = Arrays.copyOfRange(order, from, Math.min(order.length, from + batchSize));
    NDManager scope = manager.newSubManager();
    BatchTensors t = BatchTensors.of(data.batch(idx), scope);
    model.zeroGradients();
    List<org.mpsl4j.model.tokenizer.Tokens> acts;
    try (Autograd.Recording r = Autograd.record()) {
      acts = model.forward(t.inputs(), t.masks());
    }
    Activations.Builder a = Activations.newBuilder();
    for (int i = 0; i < acts.size(); i++) {
      InputActivation.Builder ia = InputActivation.newBuilder().setInput(config.tokenizers().get(i).input())
          .setValues(TensorCodec.encode(acts.get(i).values()));
      if (acts.get(i).mask() != null) {
        ia.setMask(TensorCodec.encode(acts.get(i).mask()));
      }
      a.addInputs(ia);
    }
    pending = new Pending(step, scope, acts, t.labels(), idx.length);
    return reply(step).setActivations(a).build();
  }

  private ClientMessage outputGradient(ServerMessage m) {
    if (pending == null || pending.step() != m.getStep()) {
      throw new IllegalStateException("client '" + clientId() + "': outputs for step " + m.getStep()
          + " but the pending step is " + (pending == null ? "none" : pending.step()));
    }
    NDManager scope = pending.scope();
    NDArray z = Autograd.leaf(TensorCodec.decode(m.getOutputs().getValues(), scope, limits, "outputs"));
    float loss;
    try (Autograd.Recording r = Autograd.record()) {
      NDArray l = Losses.crossEntropy(z, pending.labels());
      Autograd.backward(l);
      loss = l.getFloat();
    }
    int correct = Losses.correct(z, pending.labels());
    int total = Math.max(1, m.getOutputs().getTotalBatch());
    NDArray scaled = z.getGradient().mul(scope.create((float) pending.batch() / total));
    return reply(m.getStep()).setOutputGrad(OutputGrad.newBuilder()
        .setGrad(TensorCodec.encode(scaled)).setLoss(loss).setCorrect(correct)).build();
  }

  private void applyCutGradient(ServerMessage m) {
    if (pending == null || pending.step() != m.getStep()) {
      return; // a gradient for a batch this client no longer holds is never applied to another
    }
    try {
      List<org.mpsl4j.protocol.v1.Tensor> grads = m.getCutGrad().getGradsList();
      if (grads.size() != pending.activations().size()) {
        throw new IllegalStateException("cut gradient has " + grads.size() + " tensors for "
            + pending.activations().size() + " inputs");
      }
      for (int i = 0; i < grads.size(); i++) {
        NDArray g = TensorCodec.decode(grads.get(i), pending.scope(), limits, "cut gradient " + i);
        Autograd.backward(pending.activations().get(i).values(), g);
      }
      optimizer.step(model.namedParameters(), pending.scope());
    } finally {
      dropPending();
    }
  }

  private void dropPending() {
    if (pending != null) {
      pending.scope().close();
      pending = null;
    }
  }

  @Override
  public void close() {
    dropPending();
    manager.close();
  }
}
