package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;
import java.util.Random;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.model.SharedClientBase;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.v1.NamedTensor;
import org.mpsl4j.protocol.v1.TokenizerWeights;

/**
 * What a client's model looks like on the wire when it uploads it in the clear (epoch-end average, periodic
 * synchronization): every averaged parameter in the model's module order, large tables by changed rows
 * ({@link SparseRows}) where the server knows their initial rows. Kept apart from {@link MpslClient}'s dispatch so that
 * which parameters leave a client, in which order and how, is decided in one place; {@link ClientAggregation} uses the
 * same order and shapes for what it masks or pads.
 */
final class TokenizerWeightsUpload {
  private final ModelConfig modelConfig;
  private final long modelSeed;
  private final ClientModel model;
  /** The initial model this client's tables read (null: it holds its own whole model). */
  private final SharedClientBase shared;
  private final NDManager manager;
  private final int samples;

  TokenizerWeightsUpload(ModelConfig modelConfig, long modelSeed, ClientModel model, SharedClientBase shared,
      NDManager manager, int samples) {
    this.modelConfig = modelConfig;
    this.modelSeed = modelSeed;
    this.model = model;
    this.shared = shared;
    this.manager = manager;
    this.samples = samples;
  }

  /**
   * This client's averaged parameters and its sample count; with {@code sparse}, large tables go by changed rows
   * (only where the server knows the initial rows: the run's seed, not a client-only one, docs/PRIVACY.md).
   */
  TokenizerWeights.Builder encode(boolean sparse) {
    TokenizerWeights.Builder w = TokenizerWeights.newBuilder().setSamples(samples);
    Map<String, Parameter> params = model.namedParameters();
    boolean anyTable = sparse && params.values().stream().anyMatch(p -> SparseRows.eligible(p.shape()));
    // Large tables go by changed rows (SparseRows): the reference is the initial model, the shared one or,
    // without it, this client's own rebuilt from its seed for the moment rather than kept through training.
    try (NDManager scope = manager.newSubManager()) {
      Map<String, Parameter> initial = !anyTable ? Map.of() : shared != null ? shared.template().namedParameters()
          : new ClientModel(scope, modelConfig, new Random(modelSeed)).namedParameters();
      Map<String, org.mpsl4j.model.nn.RowDeltaTable> tables = model.namedTables();
      for (String name : order()) {
        org.mpsl4j.model.nn.RowDeltaTable table = tables.get(name);
        if (table != null) {
          w.addParameters(sparse ? SparseRows.encode(name, table, scope)
              : NamedTensor.newBuilder().setName(name).setTensor(TensorCodec.encode(table.materialize(scope))).build());
          table.compact(); // between turns: the growth reserve of its rows goes back
          continue;
        }
        NDArray value = params.get(name).array();
        w.addParameters(anyTable && SparseRows.eligible(value.getShape())
            ? SparseRows.encode(name, value, initial.get(name).array())
            : NamedTensor.newBuilder().setName(name).setTensor(TensorCodec.encode(value)).build());
      }
    }
    return w;
  }

  /** Every client parameter by name (a shared base's template where tables are shared), for shapes. */
  Map<String, Parameter> allParameters() {
    return shared != null ? shared.template().namedParameters() : model.namedParameters();
  }

  /** Every client parameter name, dense or row table, in the order of the model's modules. */
  java.util.List<String> order() {
    java.util.Collection<String> all = allParameters().keySet();
    return all.stream().filter(name -> TokenizerAverage.averaged(modelConfig, name)).toList(); // a fixed head stays
  }
}
