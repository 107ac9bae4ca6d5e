package org.mpsl4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a deployed server is given of the data: the test half of a split, its inputs and classes, and nothing of the
 * training half; read back exactly, and a folder without it is refused naming the command that writes it.
 */
final class ServerDataTest {
  private static final InputSpec IMAGE = new InputSpec("image", Modality.IMAGE, new int[] {1, 2, 2});
  private static final List<String> CLASSES = List.of("zero", "one");

  @Test
  void of_keepsTheTestHalfOnly_andReadsBackExactly(@TempDir Path dir) throws IOException {
    ArrayDataset train = dataset("toy/train", new float[] {9, 9, 9, 9, 8, 8, 8, 8}, new int[] {1, 0});
    ArrayDataset test = dataset("toy/test", new float[] {1, 2, 3, 4}, new int[] {1});
    ServerData data = ServerData.of("toy", new DatasetSplit(train, test), Map.of(Modality.IMAGE, 2), true);
    data.write(dir);

    try (var files = Files.list(dir)) {
      assertThat(files.map(f -> f.getFileName().toString()).toList())
          .containsExactlyInAnyOrder(ServerData.SPEC, ServerData.TEST);
    }
    for (String file : List.of(ServerData.SPEC, ServerData.TEST)) {
      String bytes = new String(Files.readAllBytes(dir.resolve(file)), java.nio.charset.StandardCharsets.ISO_8859_1);
      assertThat(bytes).as(file).doesNotContain("toy/train");
    }
    ServerData read = ServerData.read(dir);
    assertThat(read.inputs()).containsExactly(IMAGE);
    assertThat(read.classes()).isEqualTo(CLASSES);
    assertThat(read.patches()).containsExactly(Map.entry(Modality.IMAGE, 2));
    assertThat(read.testSet().size()).isEqualTo(1);
    assertThat(read.testSet().name()).isEqualTo("toy/test");
    assertThat(read.testSet().batch(new int[] {0}).labels()).containsExactly(1);
  }

  @Test
  void withoutTestSet_writesTheSpecOnly(@TempDir Path dir) throws IOException {
    ArrayDataset test = dataset("toy/test", new float[] {1, 2, 3, 4}, new int[] {0});
    ServerData.of("toy", new DatasetSplit(test, test), Map.of(), false).write(dir);
    assertThat(Files.exists(dir.resolve(ServerData.TEST))).isFalse();
    assertThat(ServerData.read(dir).testSet()).isNull();
  }

  @Test
  void read_ofAFolderWithoutServerData_namesTheCommandThatWritesIt(@TempDir Path dir) {
    assertThatThrownBy(() -> ServerData.read(dir)).isInstanceOf(IOException.class)
        .hasMessageContaining("holds no server-data.json: write it with `mpsl4j server-data");
  }

  private static ArrayDataset dataset(String name, float[] values, int[] labels) {
    return new ArrayDataset(name, CLASSES, List.of(new Column.Floats(IMAGE, values)), labels, null, List.of());
  }
}
