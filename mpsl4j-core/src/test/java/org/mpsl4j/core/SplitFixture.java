package org.mpsl4j.core;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mpsl4j.core.cut.CutActivations;
import org.mpsl4j.core.cut.CutGradient;
import org.mpsl4j.core.cut.CutOutputs;
import org.mpsl4j.core.cut.OutputGradient;
import org.mpsl4j.core.port.Arrivals;
import org.mpsl4j.core.port.Cohort;
import org.mpsl4j.core.port.Deadline;
import org.mpsl4j.core.port.InMemoryCohort;
import org.mpsl4j.core.port.StepPlan;
import org.mpsl4j.core.step.ClientSplitStep;
import org.mpsl4j.core.step.OutputLoss;
import org.mpsl4j.core.step.ServerSplitStep;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.ServerModel;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.model.train.Adam;

/**
 * A tiny MPSL setup in one JVM over the in-memory port: clients with given shares of a {@link
 * TinyDataset}, each stepping its whole share in one step, and a server drawn from the same seed. The
 * cohort drops the output gradients of the clients named in {@link #dropOutputGradients}, as a lost
 * message would, and records the cut gradients it delivers.
 */
final class SplitFixture implements AutoCloseable {
  static final long SEED = 2024;
  static final float LR = 1e-3f;
  static final ModelConfig MODEL = ModelConfig.builder()
      .addTokenizer(TokenizerSpec.image("image", 1, 8, 8, 4))
      .addTokenizer(TokenizerSpec.text("text", 5, 30))
      .setEncoder(EncoderConfig.small(16, 2, 4))
      .setHead(HeadConfig.classification(3))
      .optTrainableBlocks(1)
      .build();

  final TinyDataset data = new TinyDataset(11, 3, 5);
  final NDManager manager = NDManager.newBaseManager();
  final ServerSplitStep server;
  final List<ClientSplitStep> clients = new ArrayList<>();
  final InMemoryCohort memory;
  final List<String> dropOutputGradients = new ArrayList<>();
  /** Cut gradients delivered, per client and input, copied out as they went. */
  final Map<String, List<float[]>> cutGradients = new LinkedHashMap<>();
  final Cohort cohort;

  /** @param shares each client's sample indices (client i is "c" + i); its batch is its whole share */
  SplitFixture(int[][] shares) {
    Random rng = new Random(SEED);
    new ClientModel(manager, MODEL, rng); // the server part is drawn after the tokenizers, as everywhere
    server = new ServerSplitStep(new ServerModel(manager, MODEL, rng), new Adam(manager, LR));
    for (int i = 0; i < shares.length; i++) {
      clients.add(client("c" + i, shares[i], shares[i].length));
    }
    memory = new InMemoryCohort(clients);
    cohort = new Recording();
  }

  ClientSplitStep client(String id, int[] share, int batch) {
    ClientModel m = new ClientModel(manager, MODEL, new Random(SEED));
    return new ClientSplitStep(id, manager, m, new Adam(manager, LR), data, share, batch, 7,
        OutputLoss.crossEntropy());
  }

  static StepPlan firstStep() {
    return new StepPlan(1, 0, 0, LR);
  }

  static float[] flat(NDArray a) {
    return a.toFloatArray();
  }

  @Override
  public void close() {
    clients.forEach(ClientSplitStep::close);
    manager.close();
  }

  private final class Recording implements Cohort {
    @Override
    public List<String> participants() {
      return memory.participants();
    }

    @Override
    public Arrivals<CutActivations> activations(StepPlan plan, List<String> ids, NDManager scope, Deadline d) {
      return memory.activations(plan, ids, scope, d);
    }

    @Override
    public Arrivals<OutputGradient> outputGradients(long step, List<CutOutputs> outputs, NDManager scope,
        Deadline d) {
      Arrivals<OutputGradient> all = memory.outputGradients(step, outputs, scope, d);
      List<OutputGradient> kept = all.arrived().stream().filter(g -> !dropOutputGradients.contains(g.client())).toList();
      List<String> missed = new java.util.ArrayList<>(all.missedClients());
      all.arrived().stream().map(OutputGradient::client).filter(dropOutputGradients::contains).forEach(missed::add);
      return new Arrivals<>(kept, missed);
    }

    @Override
    public void cutGradients(long step, List<CutGradient> gradients) {
      for (CutGradient g : gradients) {
        List<float[]> perInput = new ArrayList<>();
        for (int i = 0; i < g.inputs(); i++) {
          perInput.add(g.values(i).toFloatArray());
        }
        cutGradients.put(g.client(), perInput);
      }
      memory.cutGradients(step, gradients);
    }

    @Override
    public void updateSkipped(long step, List<String> ids, String reason) {
      memory.updateSkipped(step, ids, reason);
    }
  }
}
