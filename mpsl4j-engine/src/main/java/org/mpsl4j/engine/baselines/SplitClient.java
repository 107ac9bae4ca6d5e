package org.mpsl4j.engine.baselines;

import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Random;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.engine.mpsl.WireClientStep;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.train.Adam;
import org.mpsl4j.protocol.TensorLimits;
import org.mpsl4j.protocol.v1.Activations;
import org.mpsl4j.protocol.v1.ClientMessage;
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
  private final NDManager manager;
  private final ClientModel model;
  private final int samples;
  private final WireClientStep split;

  public SplitClient(String clientId, ModelConfig config, long modelSeed, LabeledDataset data, int[] indices,
      int batchSize, long dataSeed, float learningRate) {
    super(clientId, config.tokenizers(), indices.length, batchSize);
    this.manager = NDManager.newBaseManager();
    this.model = new ClientModel(manager, config, new Random(modelSeed));
    this.samples = indices.length;
    this.split = new WireClientStep(clientId, manager, model, new Adam(manager, learningRate), data, indices,
        batchSize, dataSeed, new TensorLimits(3, 1L << 28, true));
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
      case OUTPUTS -> List.of(reply(m.getStep()).setOutputGrad(split.outputGradient(m.getStep(), m.getOutputs())).build());
      case CUT_GRAD -> {
        split.applyCutGradient(m.getStep(), m.getCutGrad());
        yield List.of();
      }
      case EPOCH_END -> List.of(reply(m.getStep())
          .setModelUpdate(ParameterSets.encode(model.namedParameters(), samples)).build());
      default -> List.of();
    };
  }

  private ClientMessage beginStep(long step, StepBegin begin) {
    Activations acts = split.begin(step, begin);
    return acts == null ? reply(step).setNoData(NoData.getDefaultInstance()).build()
        : reply(step).setActivations(acts).build();
  }

  @Override
  public void close() {
    split.close();
    manager.close();
  }
}
