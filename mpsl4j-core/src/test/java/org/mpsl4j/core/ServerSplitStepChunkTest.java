package org.mpsl4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mpsl4j.core.CentralizedReference.maxAbsDiff;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mpsl4j.core.cut.CutActivations;
import org.mpsl4j.core.cut.CutBatch;
import org.mpsl4j.core.cut.CutGradient;
import org.mpsl4j.core.cut.OutputGradient;
import org.mpsl4j.core.step.ServerSideLoss;
import org.mpsl4j.core.step.ServerSplitStep;
import org.mpsl4j.core.step.StepOutcome;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.Fusion;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.NormPlacement;
import org.mpsl4j.model.Pooling;
import org.mpsl4j.model.ServerModel;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.model.tokenizer.Tokens;
import org.mpsl4j.model.train.Adam;

/**
 * The server step in chunks of M samples (forward without a graph, then per chunk forward again and
 * backward, gradients accumulated, one Adam step) against the same step in one pass, from the same
 * model and the same activations and output gradients: the same update and the same cut gradients up
 * to float32 round-off of the different summation order. Chunks of 2 over clients of 3, 4 and 4 rows
 * cut through every client. Measured largest differences: cut gradients 3.0e-8 (client losses) and
 * 6.0e-8 (contrastive), parameters after the step 3.3e-7 and 2.8e-6 (the contrastive gradients are
 * larger); the tolerances leave about ten times the largest. A wrong chunk (rows lost, twice counted,
 * misaligned) moves them by the size of a gradient, 1e-3 to 1.
 */
final class ServerSplitStepChunkTest {
  private static final float CUT_TOLERANCE = 5e-7f;
  private static final float PARAM_TOLERANCE = 3e-5f;
  private static final int[] BATCHES = {3, 4, 4};
  private static final int CHUNK = 2;
  private static final long SEED = 2024;

  private static ModelConfig classification() {
    return SplitFixture.MODEL;
  }

  /** Retrieval with the contrastive loss over the whole batch: every row's gradient depends on all rows. */
  private static ModelConfig retrieval() {
    return ModelConfig.builder()
        .addTokenizer(TokenizerSpec.image("image", 1, 8, 8, 4))
        .addTokenizer(TokenizerSpec.text("text", 5, 30))
        .setEncoder(EncoderConfig.small(16, 2, 4))
        .setHead(HeadConfig.projection(8)).optFusion(Fusion.LATE).optPooling(Pooling.MEAN)
        .optTrainableBlocks(1).build();
  }

  /** What one step left behind: server parameters after it and each counted client's cut gradients. */
  private record After(StepOutcome.Status status, Map<String, float[]> params, Map<String, List<float[]>> cut) {}

  /**
   * One server step over fixed activations (the same for every call: drawn from {@code SEED}); output
   * gradients from {@code gradients}, given the step's outputs.
   */
  private static After step(ModelConfig config, int chunk, boolean serverLoss, List<String> dropped) {
    try (NDManager m = NDManager.newBaseManager(); NDManager scope = m.newSubManager()) {
      Random rng = new Random(SEED);
      new ClientModel(m, config, rng);
      ServerSplitStep server = new ServerSplitStep(new ServerModel(m, config, rng), gradientRevealingAdam(m), chunk);
      ServerSplitStep.Forward f = server.forward(CutBatch.join(activations(config, scope), scope));
      assertThat(f.recorded()).as("one pass records the graph, chunks do not").isEqualTo(chunk == 0);
      Map<String, OutputGradient> grads = new HashMap<>();
      if (serverLoss) {
        NDArray g = ServerSideLoss.contrastive().lossGradient(f.outputs(), scope).gradient();
        f.slices().forEach(s -> grads.put(s.client(), new OutputGradient(s.client(),
            new org.mpsl4j.core.cut.CutOutputs(s.client(), g, s.row(), s.batch(), s.totalBatch()).values(), 0, 0)));
      } else {
        Random r = new Random(SEED + 1);
        f.slices().forEach(s -> grads.put(s.client(), new OutputGradient(s.client(),
            random(scope, r, s.values().getShape()), 0, 0)));
      }
      dropped.forEach(grads::remove);
      System.gc(); // a scalar freed before backward would corrupt the gradient (docs/ARCHITECTURE.md)
      StepOutcome o = server.backward(f, grads, scope);
      Map<String, float[]> params = new HashMap<>();
      server.model().namedParameters().forEach((n, p) -> params.put(n, p.array().toFloatArray()));
      Map<String, List<float[]>> cut = new LinkedHashMap<>();
      for (CutGradient g : o.cutGradients()) {
        List<float[]> perInput = new ArrayList<>();
        for (int i = 0; i < g.inputs(); i++) {
          perInput.add(g.values(i).toFloatArray());
        }
        cut.put(g.client(), perInput);
      }
      return new After(o.status(), params, cut);
    }
  }

  /**
   * Adam with lr 1 and eps 1: its first update lr·g/(|g| + eps) is about g itself, so the parameters after
   * the step show the gradients with their scale. With the usual eps the first update is about lr·sign(g),
   * which hides a wrong scale and turns the float32 noise of a gradient that is exactly zero (the attention
   * key bias's: softmax ignores a shift of all keys) into differences of the order of lr.
   */
  private static Adam gradientRevealingAdam(NDManager m) {
    return new Adam(m, 1f, 0.9f, 0.999f, 1f);
  }

  private static List<CutActivations> activations(ModelConfig config, NDManager scope) {
    Random r = new Random(SEED + 2);
    List<CutActivations> out = new ArrayList<>();
    int width = config.encoder().width();
    for (int i = 0; i < BATCHES.length; i++) {
      int b = BATCHES[i];
      List<Tokens> inputs = new ArrayList<>();
      for (TokenizerSpec t : config.tokenizers()) {
        NDArray values = random(scope, r, new Shape(b, t.tokens(), width));
        NDArray mask = null;
        if (t.input().equals("text")) {
          float[] m = new float[b * t.tokens()];
          for (int row = 0; row < b; row++) {
            int real = 2 + (row + i) % (t.tokens() - 1); // padding of different lengths
            for (int tok = 0; tok < real; tok++) {
              m[row * t.tokens() + tok] = 1;
            }
          }
          mask = scope.create(m, new Shape(b, t.tokens()));
        }
        inputs.add(new Tokens(values, mask));
      }
      out.add(new CutActivations("c" + i, b, inputs));
    }
    return out;
  }

  private static NDArray random(NDManager scope, Random r, Shape shape) {
    float[] v = new float[Math.toIntExact(shape.size())];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return scope.create(v, shape);
  }

  private static void assertSameStep(After chunked, After onePass) {
    assertThat(chunked.status()).isEqualTo(StepOutcome.Status.UPDATED);
    assertThat(chunked.cut().keySet()).containsExactlyElementsOf(onePass.cut().keySet());
    onePass.cut().forEach((client, want) -> {
      for (int input = 0; input < want.size(); input++) {
        assertThat(maxAbsDiff(chunked.cut().get(client).get(input), want.get(input)))
            .as("cut gradient of %s, input %d", client, input).isLessThanOrEqualTo(CUT_TOLERANCE);
      }
    });
    onePass.params().forEach((name, want) -> assertThat(maxAbsDiff(chunked.params().get(name), want))
        .as("server parameter %s after the step", name).isLessThanOrEqualTo(PARAM_TOLERANCE));
  }

  @Test
  void chunkedStep_equalsOnePass_forClientLosses() {
    assertSameStep(step(classification(), CHUNK, false, List.of()), step(classification(), 0, false, List.of()));
  }

  @Test
  void chunkedStep_equalsOnePass_whenAClientsGradientIsMissing() {
    After chunked = step(classification(), CHUNK, false, List.of("c1"));
    assertThat(chunked.cut()).doesNotContainKey("c1");
    assertSameStep(chunked, step(classification(), 0, false, List.of("c1")));
  }

  /** The loss over the whole batch sees all outputs at once; only the model's backward is chunked. */
  @Test
  void chunkedStep_equalsOnePass_forTheServerSideContrastiveLoss() {
    assertSameStep(step(retrieval(), CHUNK, true, List.of()), step(retrieval(), 0, true, List.of()));
  }

  @Test
  void chunkedStep_changesTheParameters() {
    // Guards the comparisons above: a step that did nothing would match a step that did nothing.
    After chunked = step(classification(), CHUNK, false, List.of());
    try (NDManager m = NDManager.newBaseManager()) {
      Random rng = new Random(SEED);
      new ClientModel(m, classification(), rng);
      ServerModel initial = new ServerModel(m, classification(), rng);
      float[] before = initial.namedParameters().get("head.fc.weight").array().toFloatArray();
      assertThat(maxAbsDiff(chunked.params().get("head.fc.weight"), before)).isGreaterThan(1e-4f);
    }
  }

  @Test
  void chunks_refusedWithDropout_namingTheFlag() {
    ModelConfig withDropout = ModelConfig.builder()
        .addTokenizer(TokenizerSpec.image("image", 1, 8, 8, 4))
        .setEncoder(new EncoderConfig(16, 1, 4, 64, NormPlacement.PRE, 0.1f, 1e-6f))
        .setHead(HeadConfig.classification(3)).build();
    try (NDManager m = NDManager.newBaseManager()) {
      ServerModel model = new ServerModel(m, withDropout, new Random(SEED));
      assertThatThrownBy(() -> new ServerSplitStep(model, new Adam(m, 1e-3f), 4))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--server-chunk")
          .hasMessageContaining("dropout");
      assertThatThrownBy(() -> new ServerSplitStep(model, new Adam(m, 1e-3f), -1))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--server-chunk");
    }
  }
}
