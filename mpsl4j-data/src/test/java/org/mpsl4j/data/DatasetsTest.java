package org.mpsl4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The registry's names and its error for an unknown one; the in-memory dataset's subset and limit. */
final class DatasetsTest {

  @Test
  void names_allFiveDatasets_mnistDefault() {
    assertThat(Datasets.names()).containsExactlyInAnyOrder("mnist", "av-mnist", "openclipart", "sp-sw-har",
        "fashion-mnist");
    assertThat(Datasets.DEFAULT).isEqualTo("mnist");
  }

  @Test
  void source_unknownName_listsKnownOnes() {
    assertThatThrownBy(() -> Datasets.source("cifar"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown dataset 'cifar'")
        .hasMessageContaining("sp-sw-har");
  }

  private static ArrayDataset toy() {
    InputSpec s = new InputSpec("x", Modality.SENSOR, new int[] {2});
    return new ArrayDataset("toy", List.of("a", "b"),
        List.of(new Column.Floats(s, new float[] {0, 0, 1, 1, 2, 2, 3, 3, 4, 4})), new int[] {0, 1, 0, 1, 0},
        null, List.of());
  }

  @Test
  void subset_copiesRowsLabelsInOrder() {
    ArrayDataset sub = toy().subset("toy/sub", new int[] {4, 1});
    assertThat(sub.batch(new int[] {0, 1}).input("x").floats()).containsExactly(4, 4, 1, 1);
    assertThat(sub.labels()).containsExactly(0, 1);
    assertThat(sub.group(0)).isEqualTo(-1);
  }

  @Test
  void limit_seeded_keepsOriginalOrder() {
    ArrayDataset limited = toy().limit(3, 1);
    float[] x = limited.batch(new int[] {0, 1, 2}).input("x").floats();
    assertThat(limited.size()).isEqualTo(3);
    assertThat(x[0]).isLessThan(x[2]).isLessThan(x[4]);
    assertThat(toy().limit(0, 1).size()).isEqualTo(5);
  }

  @Test
  void batch_labelOutOfRange_rejectedAtConstruction() {
    InputSpec s = new InputSpec("x", Modality.SENSOR, new int[] {1});
    assertThatThrownBy(() -> new ArrayDataset("bad", List.of("a"), List.of(new Column.Floats(s, new float[] {1})),
        new int[] {3}, null, List.of()))
        .hasMessageContaining("sample 0 has label 3");
  }

  /** A shared dataset folder is read-only: its cache goes to the working folder's data/cache, never into it. */
  @Test
  void aReadOnlyDataFolder_isNotWhereTheCacheGoes(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
      throws Exception {
    java.nio.file.Path writable = java.nio.file.Files.createDirectory(tmp.resolve("mine"));
    java.nio.file.Path readOnly = java.nio.file.Files.createDirectory(tmp.resolve("shared"));
    java.nio.file.Files.setPosixFilePermissions(readOnly,
        java.nio.file.attribute.PosixFilePermissions.fromString("r-xr-xr-x"));

    assertThat(Datasets.cacheDir(writable)).isEqualTo(writable.resolve("cache"));
    assertThat(Datasets.cacheDir(readOnly)).isEqualTo(java.nio.file.Path.of("data", "cache"));
    java.nio.file.Files.setPosixFilePermissions(readOnly,
        java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")); // so that the folder can be deleted
  }
}
