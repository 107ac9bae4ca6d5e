package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mpsl4j.core.cut.CutActivations;
import org.mpsl4j.core.cut.CutBatch;
import org.mpsl4j.core.cut.CutOutputs;
import org.mpsl4j.core.data.BatchTensors;
import org.mpsl4j.core.data.EpochOrder;
import org.mpsl4j.core.port.StepPlan;
import org.mpsl4j.core.step.ClientSplitStep;
import org.mpsl4j.core.step.OutputLoss;
import org.mpsl4j.core.step.ServerSideLoss;
import org.mpsl4j.core.step.ServerSplitStep;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.Fusion;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.model.Pooling;
import org.mpsl4j.model.ServerModel;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.model.retrieval.InfoNce;
import org.mpsl4j.model.tokenizer.Tokens;
import org.mpsl4j.model.train.Adam;
import org.mpsl4j.model.train.Objective;

/**
 * The contrastive gradient of one MPSL step through the split (clients' activations on the wire, one
 * server forward over their concatenation, output gradients from wherever the loss runs, the server's
 * backward, the cut gradients backpropagated into each client's tokenizers) equals the gradient of the
 * same loss on the joined model in one graph, for both places the loss can run:
 * <ul>
 *   <li>on each client over its own mini-batch: the split optimizes Σᵢ (bᵢ/B)·InfoNCE(batch i);</li>
 *   <li>on the server over the concatenated batch: the split optimizes InfoNCE(all B samples).</li>
 * </ul>
 * Two clients of unequal batches (3 and 5), so the (bᵢ/B) weights and the cross-client negatives matter.
 */
final class ContrastiveSplitGradientTest {
  private static final long SEED = 11;
  private static final int[] BATCHES = {3, 5};
  private static final RandomDataset DATA = new RandomDataset(20, 3, 7);
  private static final ModelConfig MODEL = ModelConfig.builder()
      .addTokenizer(TokenizerSpec.image("image", 1, 8, 8, 4))
      .addTokenizer(TokenizerSpec.text("text", 5, 30))
      .setEncoder(EncoderConfig.small(16, 1, 2))
      .setHead(HeadConfig.projection(8)).optFusion(Fusion.LATE).optPooling(Pooling.MEAN).build();
  /** float32 sums in another order: far below any gradient entry that matters, far above a misplaced loss. */
  private static final double TOLERANCE = 2e-5;

  @Test
  void clientSideLoss_splitGradientEqualsEndToEnd() {
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, float[]> split = splitGradients(m, false);
      Map<String, float[]> reference = endToEndGradients(m, false);
      assertSame(split, reference);
    }
  }

  @Test
  void serverSideLoss_splitGradientEqualsEndToEnd() {
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, float[]> split = splitGradients(m, true);
      Map<String, float[]> reference = endToEndGradients(m, true);
      assertSame(split, reference);
    }
  }

  @Test
  void lossPlacement_changesTheGradient() {
    // Guards the two tests above: were the placement ignored, both would compare the same numbers.
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, float[]> perClient = endToEndGradients(m, false);
      Map<String, float[]> whole = endToEndGradients(m, true);
      assertThat(maxDifference(perClient, whole)).isGreaterThan(100 * TOLERANCE);
    }
  }

  /**
   * One step as MPSL runs it, with the core's pieces: each client's {@link ClientSplitStep} makes its
   * activations and output gradient, {@link ServerSplitStep#forward} runs the one forward pass over the joined
   * batch, and the output gradient comes from the clients or from the {@link ServerSideLoss}. The backward
   * pass is taken here rather than by {@code ServerSplitStep.backward}, which would step the optimizer and
   * clear the gradients this test reads.
   */
  private static Map<String, float[]> splitGradients(NDManager m, boolean serverLoss) {
    List<ClientSplitStep> clients = new ArrayList<>();
    List<ClientModel> clientModels = new ArrayList<>();
    List<CutActivations> sent = new ArrayList<>();
    StepPlan plan = new StepPlan(1, 0, 0, 1e-3f);
    for (int i = 0; i < BATCHES.length; i++) {
      ClientModel model = new ClientModel(m, MODEL, new Random(SEED));
      clientModels.add(model);
      ClientSplitStep c = new ClientSplitStep("client-" + i, m, model, new Adam(m, 1e-3f), DATA, share(i), BATCHES[i],
          SEED + 1 + i, OutputLoss.of(Objective.CONTRASTIVE));
      clients.add(c);
      CutActivations a = c.begin(plan);
      List<Tokens> detached = new ArrayList<>(); // what the server receives: no link to the client's graph
      for (Tokens t : a.inputs()) {
        detached.add(new Tokens(handOver(t.values(), m), t.mask() == null ? null : handOver(t.mask(), m)));
      }
      sent.add(new CutActivations(a.client(), a.batch(), detached));
    }
    Random rng = new Random(SEED);
    new ClientModel(m, MODEL, rng); // the server's draw order: global tokenizers first, then the server part
    ServerModel server = new ServerModel(m, MODEL, rng);
    ServerSplitStep.Forward forward = new ServerSplitStep(server, new Adam(m, 1e-3f)).forward(CutBatch.join(sent, m));
    NDArray outputs = forward.outputs();
    List<Tokens> joined = forward.batch().inputs();
    NDArray outputGradient;
    if (serverLoss) {
      outputGradient = ServerSideLoss.contrastive().lossGradient(outputs, m).gradient();
    } else {
      List<NDArray> grads = new ArrayList<>();
      List<CutOutputs> slices = forward.slices();
      for (int i = 0; i < clients.size(); i++) {
        CutOutputs o = slices.get(i);
        grads.add(clients.get(i).outputGradient(1, new CutOutputs(o.client(), o.all().stopGradient(), o.row(),
            o.batch(), o.totalBatch())).gradient());
      }
      outputGradient = NDArrays.concat(new NDList(grads));
    }
    System.gc(); // a scalar freed before backward would show here (docs/ARCHITECTURE.md, native memory)
    Autograd.backward(outputs, outputGradient);
    Map<String, float[]> out = gradients("server.", server);
    // Each client backpropagates its slice of the cut gradient through its own tokenizers.
    int from = 0;
    for (int i = 0; i < clients.size(); i++) {
      BatchTensors b = BatchTensors.of(DATA.batch(batchOf(i)), m);
      List<Tokens> acts;
      try (Autograd.Recording r = Autograd.record()) {
        acts = clientModels.get(i).forward(b.inputs(), b.masks());
      }
      for (int input = 0; input < acts.size(); input++) {
        NDArray cut = joined.get(input).values().getGradient().get(new NDIndex("{}:{}", from, from + BATCHES[i]));
        Autograd.backward(acts.get(input).values(), cut);
      }
      out.putAll(gradients("client-" + i + ".", clientModels.get(i)));
      from += BATCHES[i];
      clients.get(i).close();
    }
    return out;
  }

  /** As the server receives an array: detached from the client's graph and owned by the server's manager. */
  private static NDArray handOver(NDArray clientArray, NDManager server) {
    NDArray a = clientArray.stopGradient();
    a.attach(server);
    return a;
  }

  /** The same models joined in one graph, the loss taken at the end, one backward pass. */
  private static Map<String, float[]> endToEndGradients(NDManager m, boolean wholeBatch) {
    List<ClientModel> clientModels = new ArrayList<>();
    List<List<Tokens>> tokens = new ArrayList<>();
    Random rng = new Random(SEED);
    new ClientModel(m, MODEL, rng);
    ServerModel server = new ServerModel(m, MODEL, rng);
    NDArray loss;
    try (Autograd.Recording r = Autograd.record()) {
      for (int i = 0; i < BATCHES.length; i++) {
        ClientModel model = new ClientModel(m, MODEL, new Random(SEED));
        clientModels.add(model);
        BatchTensors b = BatchTensors.of(DATA.batch(batchOf(i)), m);
        tokens.add(model.forward(b.inputs(), b.masks()));
      }
      List<Tokens> joined = new ArrayList<>();
      for (int input = 0; input < MODEL.tokenizers().size(); input++) {
        NDList values = new NDList();
        NDList masks = new NDList();
        for (List<Tokens> t : tokens) {
          values.add(t.get(input).values());
          if (t.get(input).mask() != null) {
            masks.add(t.get(input).mask());
          }
        }
        joined.add(new Tokens(NDArrays.concat(values), masks.isEmpty() ? null : NDArrays.concat(masks)));
      }
      NDArray outputs = server.forward(joined, true);
      int total = (int) outputs.getShape().get(0);
      if (wholeBatch) {
        loss = InfoNce.loss(outputs);
      } else {
        loss = null;
        int from = 0;
        for (int batch : BATCHES) {
          NDArray li = InfoNce.loss(outputs.get(new NDIndex("{}:{}", from, from + batch)))
              .mul(m.create((float) batch / total));
          loss = loss == null ? li : loss.add(li);
          from += batch;
        }
      }
    }
    System.gc();
    Autograd.backward(loss);
    Map<String, float[]> out = gradients("server.", server);
    for (int i = 0; i < clientModels.size(); i++) {
      out.putAll(gradients("client-" + i + ".", clientModels.get(i)));
    }
    return out;
  }

  private static int[] share(int client) {
    int[] idx = new int[10];
    for (int j = 0; j < idx.length; j++) {
      idx[j] = client * 10 + j;
    }
    return idx;
  }

  /** The samples a client's first step of epoch 0 uses: the head of its seeded epoch order. */
  private static int[] batchOf(int client) {
    return java.util.Arrays.copyOf(EpochOrder.of(share(client), SEED + 1 + client, 0), BATCHES[client]);
  }

  private static Map<String, float[]> gradients(String prefix, org.mpsl4j.model.Module module) {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : module.trainableParameters().entrySet()) {
      out.put(prefix + e.getKey(), e.getValue().array().getGradient().toFloatArray());
    }
    return out;
  }

  private static void assertSame(Map<String, float[]> split, Map<String, float[]> reference) {
    assertThat(split.keySet()).containsExactlyElementsOf(reference.keySet());
    double largest = 0;
    for (float[] g : reference.values()) {
      for (float v : g) {
        largest = Math.max(largest, Math.abs(v));
      }
    }
    assertThat(largest).as("the reference gradient is not trivially zero").isGreaterThan(1e-3);
    assertThat(maxDifference(split, reference)).isLessThanOrEqualTo(TOLERANCE * Math.max(1, largest));
  }

  private static double maxDifference(Map<String, float[]> a, Map<String, float[]> b) {
    double worst = 0;
    for (Map.Entry<String, float[]> e : a.entrySet()) {
      float[] x = e.getValue();
      float[] y = b.get(e.getKey());
      for (int i = 0; i < x.length; i++) {
        worst = Math.max(worst, Math.abs(x[i] - y[i]));
      }
    }
    return worst;
  }
}
