package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.TensorLimits;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.CutGrad;
import org.mpsl4j.protocol.v1.Outputs;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.StepBegin;

/**
 * Clients whose phases a {@link StackedClients} runs answer exactly what the same clients computing one by one answer,
 * message by message: activations, the stacked loss's output gradients, and (seen in the next step's activations) the
 * update of the cut gradients taken from one frame, over two steps. A cut gradient with a NaN in one lane is refused
 * on that lane as on its own, and the other lanes of its frame are still applied.
 */
class StackedClientsTest {
  private static final ModelConfig MODEL = ModelConfig.builder()
      .addTokenizer(TokenizerSpec.image("image", 1, 8, 8, 4))
      .setEncoder(EncoderConfig.small(16, 1, 4))
      .setHead(HeadConfig.classification(3))
      .build();
  private static final int CLIENTS = 3;
  private static final int BATCH = 2;
  private static final int TOKENS = 5;
  private static final float ACTIVATION_TOLERANCE = 2e-5f;

  @Test
  void stackedAnswers_equalPerClientAnswers_andABadGradientStaysOnItsLane() {
    List<MpslClient> stacked = clients();
    List<MpslClient> alone = clients();
    try (StackedClients stack = new StackedClients(stacked); NDManager m = NDManager.newBaseManager()) {
      java.util.Random rnd = new java.util.Random(11);
      compareActivations(stack, stacked, alone, begin(1));
      assertThat(stack.active()).isTrue();
      // Step 1: lane 1's cut gradient has a NaN (the frame falls back to one decode per lane); step 2: all good.
      for (int step = 1; step <= 2; step++) {
        answerOutputs(stack, stacked, alone, step, rnd, m);
        assertThat(stack.stackedLosses()).isEqualTo((long) CLIENTS * step);
        int nanLane = step == 1 ? 1 : -1;
        List<ServerMessage> cuts = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
          NDArray g = random(m, rnd, BATCH, TOKENS, 16);
          if (i == nanLane) {
            g.set(new ai.djl.ndarray.index.NDIndex("0, 0, 0"), Float.NaN);
          }
          cuts.add(ServerMessage.newBuilder().setStep(step).setCutGrad(CutGrad.newBuilder()
              .addGrads(TensorCodec.encode(g))).build());
        }
        stack.beforeFrame(byLane(cuts));
        for (int i = 0; i < CLIENTS; i++) {
          if (i == nanLane) {
            int lane = i;
            assertThatThrownBy(() -> alone.get(lane).onMessage(cuts.get(lane))).hasMessageContaining("NaN");
            assertThatThrownBy(() -> stacked.get(lane).onMessage(cuts.get(lane))).hasMessageContaining("NaN");
          } else {
            assertThat(stacked.get(i).onMessage(cuts.get(i))).isEmpty();
            assertThat(alone.get(i).onMessage(cuts.get(i))).isEmpty();
          }
        }
        stack.afterFrame();
        // The next step's activations come from the updated tokenizers (and, after step 1, lane 1's unchanged one).
        compareActivations(stack, stacked, alone, begin(step + 1));
      }
    } finally {
      stacked.forEach(MpslClient::close);
      alone.forEach(MpslClient::close);
    }
  }

  /**
   * A model the stack refuses (image and text inputs): the clients run their own tokenizers, and their loss of the
   * server's logits is still answered for all lanes in one pass, equal to what they answer alone.
   */
  @Test
  void refusedModel_stillStacksTheLoss() {
    List<MpslClient> stacked = clients(RandomDataset.model());
    List<MpslClient> alone = clients(RandomDataset.model());
    try (StackedClients stack = new StackedClients(stacked); NDManager m = NDManager.newBaseManager()) {
      frame(stack, stacked, begin(1));
      each(alone, begin(1));
      assertThat(stack.active()).isFalse();
      assertThat(stack.refusal()).contains("exactly one input");
      answerOutputs(stack, stacked, alone, 1, new java.util.Random(5), m);
      assertThat(stack.stackedLosses()).isEqualTo(CLIENTS);
    } finally {
      stacked.forEach(MpslClient::close);
      alone.forEach(MpslClient::close);
    }
  }

  private static void answerOutputs(StackedClients stack, List<MpslClient> stacked, List<MpslClient> alone, long step,
      java.util.Random rnd, NDManager m) {
    List<ServerMessage> outputs = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      outputs.add(ServerMessage.newBuilder().setStep(step).setOutputs(Outputs.newBuilder()
          .setValues(TensorCodec.encode(random(m, rnd, BATCH, 3))).setTotalBatch(CLIENTS * BATCH)).build());
    }
    List<ClientMessage> s = frame(stack, stacked, outputs);
    List<ClientMessage> a = each(alone, outputs);
    for (int i = 0; i < CLIENTS; i++) {
      assertThat(s.get(i).getOutputGrad().getLoss()).isCloseTo(a.get(i).getOutputGrad().getLoss(), within(1e-6f));
      assertThat(s.get(i).getOutputGrad().getCorrect()).isEqualTo(a.get(i).getOutputGrad().getCorrect());
      assertClose(decode(s.get(i).getOutputGrad().getGrad(), m), decode(a.get(i).getOutputGrad().getGrad(), m), 1e-7f);
    }
  }

  private static void compareActivations(StackedClients stack, List<MpslClient> stacked, List<MpslClient> alone,
      List<ServerMessage> begins) {
    List<ClientMessage> s = frame(stack, stacked, begins);
    List<ClientMessage> a = each(alone, begins);
    try (NDManager m = NDManager.newBaseManager()) {
      for (int i = 0; i < CLIENTS; i++) {
        assertClose(decode(s.get(i).getActivations().getInputs(0).getValues(), m),
            decode(a.get(i).getActivations().getInputs(0).getValues(), m), ACTIVATION_TOLERANCE);
      }
    }
  }

  private static List<ClientMessage> frame(StackedClients stack, List<MpslClient> clients, List<ServerMessage> ms) {
    stack.beforeFrame(byLane(ms));
    List<ClientMessage> replies = each(clients, ms);
    stack.afterFrame();
    return replies;
  }

  private static List<ClientMessage> each(List<MpslClient> clients, List<ServerMessage> ms) {
    List<ClientMessage> replies = new ArrayList<>();
    for (int i = 0; i < clients.size(); i++) {
      replies.add(clients.get(i).onMessage(ms.get(i)).get(0));
    }
    return replies;
  }

  private static Map<Integer, List<ServerMessage>> byLane(List<ServerMessage> ms) {
    Map<Integer, List<ServerMessage>> byLane = new LinkedHashMap<>();
    for (int i = 0; i < ms.size(); i++) {
      byLane.put(i, List.of(ms.get(i)));
    }
    return byLane;
  }

  private static List<ServerMessage> begin(long step) {
    List<ServerMessage> ms = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      ms.add(ServerMessage.newBuilder().setStep(step).setStepBegin(StepBegin.newBuilder().setEpoch(0)
          .setStepInEpoch((int) step - 1).setLearningRate(1e-2f)).build());
    }
    return ms;
  }

  private static List<MpslClient> clients() {
    return clients(MODEL);
  }

  private static List<MpslClient> clients(ModelConfig model) {
    List<MpslClient> cs = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      cs.add(new MpslClient(new ClientConfig("c" + i, "", BATCH, 3 + i, i), model, new RandomDataset(8, 3, 5 + i),
          new int[] {0, 1, 2, 3, 4, 5, 6, 7}, 1e-2f));
    }
    return cs;
  }

  private static NDArray random(NDManager m, java.util.Random rnd, long... shape) {
    float[] v = new float[(int) new Shape(shape).size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) rnd.nextGaussian();
    }
    return m.create(v, new Shape(shape));
  }

  private static NDArray decode(org.mpsl4j.protocol.v1.Tensor t, NDManager m) {
    return TensorCodec.decode(t, m, new TensorLimits(4, 1 << 20, true), "test");
  }

  private static void assertClose(NDArray actual, NDArray expected, float tolerance) {
    assertThat(actual.getShape()).isEqualTo(expected.getShape());
    float[] x = actual.toFloatArray();
    float[] y = expected.toFloatArray();
    for (int i = 0; i < x.length; i++) {
      assertThat(x[i]).as("element %d", i).isCloseTo(y[i], within(tolerance));
    }
  }
}
