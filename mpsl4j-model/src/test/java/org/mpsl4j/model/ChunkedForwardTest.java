package org.mpsl4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mpsl4j.model.tokenizer.Tokens;

/** Evaluating in chunks gives the one-pass result and leaves nothing behind but the outputs. */
final class ChunkedForwardTest {

  @Test
  void chunkedForward_equalsOnePass_andKeepsOnlyTheOutputs() {
    for (Fusion fusion : Fusion.values()) {
      ModelConfig config = TinyModels.threeModalities(NormPlacement.PRE, fusion);
      try (NDManager m = NDManager.newBaseManager(); Autograd.NoGrad ng = Autograd.noGrad()) {
        ClientModel client = new ClientModel(m, config, new Random(1));
        ServerModel server = new ServerModel(m, config, new Random(2));
        try (NDManager scope = m.newSubManager()) {
          List<Tokens> tokens = client.forward(TinyModels.inputs(scope, config, 10, 5), TinyModels.masks(scope, config, 10, 2));
          float[] whole = server.forward(tokens, false).toFloatArray();
          int before = scope.getManagedArrays().size();

          NDArray chunked = server.forwardInChunks(tokens, 3, scope);

          assertThat(chunked.getShape().get(0)).isEqualTo(10);
          float[] got = chunked.toFloatArray();
          for (int i = 0; i < whole.length; i++) {
            assertThat(got[i]).as(fusion + " output " + i).isCloseTo(whole[i], org.assertj.core.data.Offset.offset(1e-5f));
          }
          // 4 chunk outputs and their concatenation; every intermediate went with its chunk
          assertThat(scope.getManagedArrays().size() - before).isEqualTo(5);
        }
      }
    }
  }
}
