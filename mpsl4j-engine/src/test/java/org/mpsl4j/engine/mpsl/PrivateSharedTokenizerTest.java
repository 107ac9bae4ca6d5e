package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mpsl4j.engine.secagg.GroupPads;
import org.mpsl4j.engine.secagg.Int64Bytes;
import org.mpsl4j.engine.secagg.PaddedGradients;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.protocol.v1.SecAggShare;
import org.mpsl4j.protocol.v1.SecAggSum;

/**
 * A client's side of the private shared tokenizer, without a server: two clients' padded gradients added as the server
 * adds them step one tokenizer by their sum; a sum whose list of counted clients is a lie is refused, nothing applied.
 */
final class PrivateSharedTokenizerTest {
  private static final GroupPads PADS = GroupPads.fromClientSeed(5);

  @Test
  void theServersSumOfPaddedGradients_stepsTheTokenizer_aLieAboutWhoIsCountedIsRefused() {
    try (NDManager manager = NDManager.newBaseManager()) {
      ClientModel model = new ClientModel(manager, HostileInputTest.MODEL, new Random(5));
      PrivateSharedTokenizer a = new PrivateSharedTokenizer(model, PADS, "a", 1e-3f, manager);
      PrivateSharedTokenizer b = new PrivateSharedTokenizer(model, PADS, "b", 1e-3f, manager);
      long[] sum = null;
      for (PrivateSharedTokenizer c : List.of(a, b)) {
        SecAggShare share = c.padded(3, gradients(model, manager, c == a ? 1 : 2));
        long[] v = Int64Bytes.read(share.getValues());
        if (sum == null) {
          sum = v;
        } else {
          PaddedGradients.add(sum, v);
        }
      }
      SecAggSum.Builder message = SecAggSum.newBuilder().setGradientSum(true).setLearningRate(1e-3f)
          .setValues(Int64Bytes.of(sum));
      float[] before = flat(model);

      assertThatThrownBy(() -> a.apply(3, message.clone().addCounted("a").build(), manager))
          .hasMessageContaining("does not match the sum");
      assertThat(flat(model)).as("nothing applied").containsExactly(before);

      a.apply(3, message.clone().addAllCounted(List.of("a", "b")).build(), manager);
      assertThat(a.updates()).isEqualTo(1);
      assertThat(flat(model)).isNotEqualTo(before);
    }
  }

  @Test
  void gradientPads_areNotTheEpochEndPadsOfTheSameStep() {
    assertThat(PADS.forGradients().pad(7, "a", 4)).isNotEqualTo(PADS.pad(7, "a", 4));
  }

  private static Map<String, NDArray> gradients(ClientModel model, NDManager manager, long seed) {
    Map<String, NDArray> out = new LinkedHashMap<>();
    Random r = new Random(seed);
    for (String name : SharedTokenizerStep.trainedNames(model)) {
      Parameter p = model.namedParameters().get(name);
      float[] g = new float[Math.toIntExact(p.shape().size())];
      for (int i = 0; i < g.length; i++) {
        g[i] = (float) (r.nextGaussian() * 1e-3);
      }
      out.put(name, manager.create(g, p.shape()));
    }
    return out;
  }

  private static float[] flat(ClientModel model) {
    return model.namedParameters().values().stream().map(p -> p.array().toFloatArray())
        .reduce(new float[0], (x, y) -> {
          float[] z = java.util.Arrays.copyOf(x, x.length + y.length);
          System.arraycopy(y, 0, z, x.length, y.length);
          return z;
        });
  }
}
