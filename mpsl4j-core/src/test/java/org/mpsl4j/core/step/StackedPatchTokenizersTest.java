package org.mpsl4j.core.step;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.model.tokenizer.Tokens;
import org.mpsl4j.model.train.Adam;

/**
 * The stacked step of co-hosted clients equals their per-client steps: activations out, cut-gradient backward and
 * each client's own Adam update, with unequal batch sizes, a client with 0 rows and a client whose gradient did not
 * come (it keeps its parameters and step count).
 */
class StackedPatchTokenizersTest {
  /** float32 round-off of a batched matmul and a gathered LayerNorm against per-client convolutions. */
  private static final float TOLERANCE = 2e-5f;
  private static final float LR = 1e-2f;
  private static final ModelConfig MODEL = ModelConfig.builder()
      .addTokenizer(TokenizerSpec.image("image", 2, 8, 8, 4))
      .setEncoder(EncoderConfig.small(16, 2, 4))
      .setHead(HeadConfig.classification(3))
      .build();

  @Test
  void stackedStepsEqualPerClientSteps() {
    // step 1: batches 2, 0, 3, all answered; step 2: batches 1, 2, 4, client 1's gradient lost; step 3: 0, 1, 1
    compareWithPerClientSteps(new int[][] {{2, 0, 3}, {1, 2, 4}, {0, 1, 1}},
        new boolean[][] {{true, true, true}, {true, false, true}, {true, true, true}});
  }

  /**
   * Every client in every step (as 1,000 clients of one sample each): the stack takes libtorch's fused Adam for all
   * clients at once, which must equal each client's own Adam as the masked update does; where every client has the
   * same number of rows (1, 1, 1 and 2, 2, 2) the forward is one matmul per client's weights instead of a per-row gather.
   */
  @Test
  void everyClientInEveryStep_takesTheFusedUpdate_andEqualsPerClientSteps() {
    compareWithPerClientSteps(new int[][] {{1, 1, 1}, {2, 1, 3}, {2, 2, 2}, {1, 2, 1}},
        new boolean[][] {{true, true, true}, {true, true, true}, {true, true, true}, {true, true, true}});
  }

  /**
   * A step leaves no array behind in the manager that holds the stack: the activations' forward without a graph, the
   * forward with one, the masked and the fused update, and the reads and writes of one client's slice (issue 18: the
   * forward without a graph once left its joined output and every client's slice of it there, about 30 MB per step at
   * 1,000 clients).
   */
  @Test
  void stepsLeaveNoArraysInTheStacksManager() {
    try (NDManager m = NDManager.newBaseManager()) {
      List<ClientModel> models = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        models.add(new ClientModel(m, MODEL, new Random(10 + i)));
      }
      StackedPatchTokenizers stacked = new StackedPatchTokenizers(m, models);
      ClientModel slice = new ClientModel(m, MODEL, new Random(99));
      int held = m.getManagedArrays().size();
      Random data = new Random(5);
      boolean[][] answered = {{true, true, true}, {true, false, true}, {true, true, true}};
      for (int t = 0; t < answered.length; t++) {
        try (NDManager scope = m.newSubManager()) {
          List<NDArray> inputs = new ArrayList<>();
          List<NDArray> grads = new ArrayList<>();
          for (int i = 0; i < 3; i++) {
            inputs.add(random(scope, data, 2, 2, 8, 8));
            grads.add(answered[t][i] ? random(scope, data, 2, 5, 16) : null);
          }
          assertEquals(3, stacked.forward(inputs, scope, false).activations().size());
          stacked.step(stacked.forward(inputs, scope, true), grads, LR, scope);
          stacked.writeTo(0, slice);
          stacked.readFrom(1, slice);
          assertNotNull(stacked.moment("exp_avg", "proj.weight", 2, scope));
        }
        assertEquals(held, m.getManagedArrays().size(), "arrays held after step " + t);
      }
      stacked.close();
    }
  }

  private static void compareWithPerClientSteps(int[][] batches, boolean[][] answered) {
    try (NDManager m = NDManager.newBaseManager()) {
      int n = 3;
      List<ClientModel> own = new ArrayList<>();
      List<ClientModel> copies = new ArrayList<>();
      List<Adam> adams = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        own.add(new ClientModel(m, MODEL, new Random(10 + i)));
        copies.add(new ClientModel(m, MODEL, new Random(10 + i)));
        adams.add(new Adam(m, LR));
      }
      StackedPatchTokenizers stacked = new StackedPatchTokenizers(m, copies);
      Random data = new Random(5);
      for (int t = 0; t < batches.length; t++) {
        try (NDManager scope = m.newSubManager()) {
          List<NDArray> inputs = new ArrayList<>();
          List<NDArray> grads = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            int b = batches[t][i];
            inputs.add(b == 0 ? null : random(scope, data, b, 2, 8, 8));
            grads.add(b == 0 || !answered[t][i] ? null : random(scope, data, b, 5, 16));
          }
          StackedPatchTokenizers.Forward f = stacked.forward(inputs, scope);
          boolean[] updated = stacked.step(f, grads, LR, scope);
          for (int i = 0; i < n; i++) {
            if (inputs.get(i) == null) {
              assertNull(f.activations().get(i), "client " + i + " has no rows");
              assertEquals(false, updated[i]);
              continue;
            }
            Tokens a;
            try (Autograd.Recording r = Autograd.record()) {
              a = own.get(i).forward(Map.of("image", inputs.get(i)), Map.of()).get(0);
            }
            assertNotNull(f.activations().get(i));
            assertClose(a.values(), f.activations().get(i), "step " + t + " client " + i + " activations");
            if (grads.get(i) != null) {
              Autograd.backward(a.values(), grads.get(i));
              adams.get(i).step(own.get(i), scope);
            }
            assertEquals(grads.get(i) != null, updated[i]);
          }
        }
        for (int i = 0; i < n; i++) {
          assertEquals(adams.get(i).steps(), stacked.steps(i), "client " + i + " step count");
          ClientModel check = new ClientModel(m, MODEL, new Random(99));
          stacked.writeTo(i, check);
          int c = i;
          own.get(i).namedParameters().forEach((name, p) ->
              assertClose(p.array(), check.namedParameters().get(name).array(), "client " + c + " " + name));
        }
      }
      try (NDManager scope = m.newSubManager()) {
        own.get(2).namedParameters().forEach((name, p) -> assertClose(adams.get(2).state("exp_avg_sq").get(name),
            stacked.moment("exp_avg_sq", name.substring("image.".length()), 2, scope), "client 2 exp_avg_sq " + name));
      }
      stacked.close();
    }
  }

  @Test
  void otherConfigurationsKeepThePerClientPath() {
    assertNull(StackedPatchTokenizers.unsupported(MODEL));
    ModelConfig text = ModelConfig.builder().addTokenizer(TokenizerSpec.text("text", 5, 30))
        .setEncoder(EncoderConfig.small(16, 2, 4)).setHead(HeadConfig.classification(3)).build();
    ModelConfig two = ModelConfig.builder().addTokenizer(TokenizerSpec.image("image", 1, 8, 8, 4))
        .addTokenizer(TokenizerSpec.audio("audio", 8, 8, 4))
        .setEncoder(EncoderConfig.small(16, 2, 4)).setHead(HeadConfig.classification(3)).build();
    ModelConfig sensor = ModelConfig.builder().addTokenizer(TokenizerSpec.sensor("imu", 3, 16, 4))
        .setEncoder(EncoderConfig.small(16, 2, 4)).setHead(HeadConfig.classification(3)).build();
    for (ModelConfig c : List.of(text, two, sensor, MODEL.withClientBlocks(1))) {
      assertNotNull(StackedPatchTokenizers.unsupported(c), c.toString());
      try (NDManager m = NDManager.newBaseManager()) {
        ClientModel model = new ClientModel(m, c, new Random(1));
        assertThrows(IllegalArgumentException.class, () -> new StackedPatchTokenizers(m, List.of(model)));
      }
    }
  }

  private static NDArray random(NDManager scope, Random rng, long... shape) {
    float[] v = new float[(int) new Shape(shape).size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) rng.nextGaussian();
    }
    return scope.create(v, new Shape(shape));
  }

  private static void assertClose(NDArray expected, NDArray actual, String what) {
    assertEquals(expected.getShape(), actual.getShape(), what + " shape");
    float[] e = expected.toFloatArray();
    float[] a = actual.toFloatArray();
    float worst = 0;
    for (int i = 0; i < e.length; i++) {
      worst = Math.max(worst, Math.abs(e[i] - a[i]) / Math.max(1f, Math.abs(e[i])));
    }
    if (worst > TOLERANCE) {
      assertArrayEquals(e, a, TOLERANCE, what + ": largest difference " + worst + " " + Arrays.toString(e).substring(0, 60));
    }
  }
}
