package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.TokenizerSpec;

/**
 * The epoch-end average adds the clients' uploads one at a time and keeps none of them: each upload's
 * arrays are freed right after it is added (as the server does, so that an epoch end at 1,000 clients
 * holds one upload, not 1,000), and the result is still the sample-weighted mean Σ nᵢ·θᵢ / Σ nᵢ, with a
 * table sent by rows counting as the initial table with those rows replaced.
 */
final class TokenizerAverageTest {
  private static final ModelConfig MODEL = ModelConfig.builder()
      .addTokenizer(TokenizerSpec.image("image", 1, 8, 8, 4))
      .addTokenizer(TokenizerSpec.text("text", 5, 1100))
      .setEncoder(EncoderConfig.small(16, 1, 4))
      .setHead(HeadConfig.classification(3)).build();
  private static final String TABLE = "text.word_embeddings.weight";
  private static final long[] SAMPLES = {3, 5, 12};

  @Test
  void sum_ofUploadsFreedRightAfterAdding_isTheSampleWeightedMean() {
    try (NDManager m = NDManager.newBaseManager()) {
      TokenizerAverage average = new TokenizerAverage(m, MODEL, new Random(1));
      Map<String, float[]> initial = values(average);
      assertThat(SparseRows.eligible(average.model().namedParameters().get(TABLE).shape())).isTrue();
      Map<String, float[]> expected = new HashMap<>();
      initial.forEach((name, v) -> expected.put(name, new float[v.length]));
      long total = 0;
      for (long n : SAMPLES) {
        total += n;
      }
      Random r = new Random(2);
      try (NDManager scope = m.newSubManager()) {
        TokenizerAverage.Sum sum = average.begin(scope);
        for (int client = 0; client < SAMPLES.length; client++) {
          try (NDManager upload = scope.newSubManager()) {
            Map<String, NDArray> params = new HashMap<>();
            Map<String, NDArray> rows = new HashMap<>();
            for (Map.Entry<String, float[]> e : initial.entrySet()) {
              float[] theta = e.getValue().clone();
              for (int i = 0; i < theta.length; i++) {
                theta[i] += (float) r.nextGaussian();
              }
              NDArray whole = upload.create(theta, average.model().namedParameters().get(e.getKey()).shape());
              if (e.getKey().equals(TABLE) && client != 1) { // client 1 sends its table whole
                long[] held = {client, 7, 1000 + client};
                int width = (int) whole.getShape().get(1);
                for (int row = 0; row < whole.getShape().get(0); row++) { // rows not held keep the initial value
                  if (row != held[0] && row != held[1] && row != held[2]) {
                    System.arraycopy(e.getValue(), row * width, theta, row * width, width);
                  }
                }
                NDArray index = upload.create(held);
                rows.put(e.getKey(), index);
                params.put(e.getKey(), whole.get(new NDIndex("{}", index)));
              } else {
                params.put(e.getKey(), whole);
              }
              float[] want = expected.get(e.getKey());
              for (int i = 0; i < want.length; i++) {
                want[i] += SAMPLES[client] * theta[i] / total;
              }
            }
            sum.add(new TokenizerUpload(SAMPLES[client], params, rows));
          } // the upload's arrays are gone from here on
        }
        sum.finish();
      }
      Map<String, float[]> got = values(average);
      expected.forEach((name, want) -> {
        for (int i = 0; i < want.length; i++) {
          assertThat(got.get(name)[i]).as("%s[%d]", name, i).isCloseTo(want[i], Offset.offset(1e-5f));
        }
      });
    }
  }

  @Test
  void finish_withoutUploads_keepsTheWeights() {
    try (NDManager m = NDManager.newBaseManager(); NDManager scope = m.newSubManager()) {
      TokenizerAverage average = new TokenizerAverage(m, MODEL, new Random(1));
      Map<String, float[]> before = values(average);
      average.begin(scope).finish();
      values(average).forEach((name, v) -> assertThat(v).as(name).isEqualTo(before.get(name)));
    }
  }

  private static Map<String, float[]> values(TokenizerAverage average) {
    Map<String, float[]> out = new HashMap<>();
    average.model().namedParameters().forEach((n, p) -> out.put(n, p.array().toFloatArray()));
    return out;
  }
}
