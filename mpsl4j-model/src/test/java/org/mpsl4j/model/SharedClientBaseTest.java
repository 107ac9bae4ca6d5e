package org.mpsl4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mpsl4j.model.nn.RowDeltaTable;
import org.mpsl4j.model.train.Adam;
import org.mpsl4j.model.train.Losses;

/** Clients built on one shared initial model: the same start as an own model, and frozen tables store nothing. */
class SharedClientBaseTest {
  private static final ModelConfig MODEL = TinyModels.threeModalities(NormPlacement.PRE, Fusion.EARLY);

  @Test
  void clientOnTheBase_startsWithExactlyTheValuesOfAnOwnModel() {
    try (SharedClientBase base = new SharedClientBase(MODEL, 3); NDManager m = NDManager.newBaseManager()) {
      ClientModel own = new ClientModel(m, MODEL, new Random(3));
      ClientModel shared = new ClientModel(m, base);
      own.namedParameters().forEach((name, p) -> {
        RowDeltaTable t = shared.namedTables().get(name);
        float[] value = t != null ? t.materialize(m).toFloatArray() : shared.namedParameters().get(name).array()
            .toFloatArray();
        assertThat(value).as(name).containsExactly(p.array().toFloatArray());
      });
      assertThat(shared.namedTables()).containsOnlyKeys("text.word_embeddings.weight",
          "text.position_embeddings.weight", "text.token_type_embeddings.weight");
      assertThat(shared.parameterCount(false)).isEqualTo(own.parameterCount(false));
    }
  }

  @Test
  void frozenWordEmbeddings_storeNoRow_whileTheOtherTablesTrainTheirs() {
    ModelConfig frozen = MODEL.withFrozenWordEmbeddings(true);
    try (SharedClientBase base = new SharedClientBase(frozen, 3); NDManager m = NDManager.newBaseManager()) {
      ClientModel client = new ClientModel(m, base);
      ServerModel server = new ServerModel(m, frozen, new Random(4));
      Adam adam = new Adam(m, 1e-2f);
      try (NDManager scope = m.newSubManager()) {
        try (Autograd.Recording r = Autograd.record()) {
          NDArray loss = Losses.crossEntropy(server.forward(client.forward(TinyModels.inputs(scope, frozen, 4, 1),
              TinyModels.masks(scope, frozen, 4, 1)), true), TinyModels.labels(scope, 4, 3, 1));
          Autograd.backward(loss);
        }
        adam.step(client, scope);
      }
      Map<String, RowDeltaTable> tables = client.namedTables();
      assertThat(tables.get("text.word_embeddings.weight").isTrainable()).isFalse();
      assertThat(tables.get("text.word_embeddings.weight").storedRows()).isZero();
      assertThat(tables.get("text.position_embeddings.weight").storedRows()).isEqualTo(4);
      assertThat(base.placement()).containsEntry("text.word_embeddings.weight", "shared base, frozen (read-only)")
          .containsEntry("text.position_embeddings.weight", "shared base, trained rows per client")
          .containsEntry("text.norm.weight", "per client");
    }
  }

  @Test
  void frozenFlag_changesTheFingerprintOnlyWhenSet() {
    assertThat(MODEL.withFrozenWordEmbeddings(false).fingerprint()).isEqualTo(MODEL.fingerprint());
    assertThat(MODEL.withFrozenWordEmbeddings(true).fingerprint()).isNotEqualTo(MODEL.fingerprint());
    assertThat(MODEL.toString()).doesNotContain("frozen");
  }
}
