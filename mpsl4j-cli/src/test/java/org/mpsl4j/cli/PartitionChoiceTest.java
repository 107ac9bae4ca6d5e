package org.mpsl4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.mpsl4j.data.partition.Partition;

final class PartitionChoiceTest {

  @Test
  void parse_kindsAndShards() {
    assertThat(PartitionChoice.parse("dirichlet").usesAlpha()).isTrue();
    assertThat(PartitionChoice.parse("groups").kind()).isEqualTo(PartitionChoice.Kind.GROUPS);
    assertThat(PartitionChoice.parse("classes").shardsPerClass()).isEqualTo(1);
    assertThat(PartitionChoice.parse("Classes:3").shardsPerClass()).isEqualTo(3);
  }

  @Test
  void parse_badValues_sayWhatIsAllowed() {
    assertThatThrownBy(() -> PartitionChoice.parse("classes:0")).hasMessageContaining("classes:S");
    assertThatThrownBy(() -> PartitionChoice.parse("classes:x")).hasMessageContaining("classes:S");
    assertThatThrownBy(() -> PartitionChoice.parse("speakers")).hasMessageContaining("dirichlet, groups, classes[:S]");
  }

  @Test
  void classes_everyClientHoldsOneClass_sClientsPerClass() {
    org.mpsl4j.data.LabeledDataset train = new Labels(new int[] {0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2});

    Partition p = PartitionChoice.parse("classes:2").partition(train, 7);

    assertThat(p.numClients()).isEqualTo(6);
    for (int c = 0; c < p.numClients(); c++) {
      Set<Integer> labels = new HashSet<>();
      for (int i : p.client(c)) {
        labels.add(train.labels()[i]);
      }
      assertThat(labels).as("classes of client %d", c).hasSize(1);
      assertThat(p.client(c)).hasSize(2);
    }
  }

  @Test
  void groups_datasetWithoutGroups_isAnErrorThatNamesIt() {
    assertThatThrownBy(() -> PartitionChoice.parse("groups").partition(new Labels(new int[] {0, 1}), 1))
        .hasMessageContaining("labels-only").hasMessageContaining("no natural groups");
  }

  /** Labels only: enough for a partition. */
  private record Labels(int[] all) implements org.mpsl4j.data.LabeledDataset {
    @Override
    public String name() {
      return "labels-only";
    }

    @Override
    public int size() {
      return all.length;
    }

    @Override
    public int label(int index) {
      return all[index];
    }

    @Override
    public int group(int index) {
      return -1;
    }

    @Override
    public java.util.List<String> classNames() {
      return java.util.List.of("a", "b", "c");
    }

    @Override
    public java.util.List<org.mpsl4j.data.InputSpec> inputs() {
      return java.util.List.of();
    }

    @Override
    public org.mpsl4j.data.Batch batch(int[] indices) {
      throw new UnsupportedOperationException("labels only");
    }
  }
}
