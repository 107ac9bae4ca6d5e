package org.mpsl4j.data.partition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Properties of the partitioners: coverage, balance, skew, minimum size and reproducibility. */
final class PartitionerTest {

  /** 2,000 samples, 10 classes of 200, interleaved (label = index mod 10). */
  private static final int[] LABELS = IntStream.range(0, 2000).map(i -> i % 10).toArray();
  private static final List<String> CLASSES = IntStream.range(0, 10).mapToObj(Integer::toString).toList();

  /** Every sample index 0..n-1 appears in exactly one client. */
  private static void assertExactCover(Partition p, int n) {
    int[] all = p.clients().stream().flatMapToInt(Arrays::stream).sorted().toArray();
    assertThat(all).containsExactly(IntStream.range(0, n).toArray());
  }

  @Test
  void iid_everySampleInExactlyOneClient_sizesDifferByAtMostOne() {
    Partition p = Partitioner.iid(1003, 10, 1);

    assertExactCover(p, 1003);
    int[] sizes = IntStream.range(0, 10).map(p::clientSize).toArray();
    assertThat(Arrays.stream(sizes).max().getAsInt() - Arrays.stream(sizes).min().getAsInt()).isLessThanOrEqualTo(1);
  }

  @Test
  void iid_sameSeedSamePartition_otherSeedDiffers() {
    assertThat(Partitioner.iid(500, 5, 3).client(2)).containsExactly(Partitioner.iid(500, 5, 3).client(2));
    assertThat(Partitioner.iid(500, 5, 3).client(2)).isNotEqualTo(Partitioner.iid(500, 5, 4).client(2));
  }

  @Test
  void dirichlet_everySampleInExactlyOneClient() {
    assertExactCover(Partitioner.dirichlet(LABELS, 10, 20, 0.5, 10, 2024), LABELS.length);
  }

  @Test
  void dirichlet_smallAlpha_skewsClasses() {
    double skewIid = Partitioner.dirichlet(LABELS, 10, 20, 1e5, 0, 2024).summarize(LABELS, CLASSES).labelSkew();
    double skewHalf = Partitioner.dirichlet(LABELS, 10, 20, 0.5, 0, 2024).summarize(LABELS, CLASSES).labelSkew();
    double skewTenth = Partitioner.dirichlet(LABELS, 10, 20, 0.1, 0, 2024).summarize(LABELS, CLASSES).labelSkew();

    assertThat(skewIid).isLessThan(0.1);
    assertThat(skewHalf).isGreaterThan(skewIid + 0.2);
    assertThat(skewTenth).isGreaterThan(skewHalf);
  }

  @Test
  void dirichlet_minimumPerClientRespected() {
    Partition p = Partitioner.dirichlet(LABELS, 10, 100, 0.5, 10, 2024);

    assertThat(p.summarize(LABELS, CLASSES).minSamples()).isGreaterThanOrEqualTo(10);
    assertExactCover(p, LABELS.length);
  }

  @Test
  void dirichlet_sameSeed_samePartition() {
    Partition a = Partitioner.dirichlet(LABELS, 10, 20, 0.5, 10, 7);
    Partition b = Partitioner.dirichlet(LABELS, 10, 20, 0.5, 10, 7);
    Partition c = Partitioner.dirichlet(LABELS, 10, 20, 0.5, 10, 8);

    assertThat(b.clients()).usingRecursiveFieldByFieldElementComparator().isEqualTo(a.clients());
    assertThat(Arrays.deepEquals(a.clients().toArray(), c.clients().toArray())).isFalse();
  }

  @Test
  void dirichlet_impossibleMinimum_failsWithAdvice() {
    assertThatThrownBy(() -> Partitioner.dirichlet(LABELS, 10, 100, 0.5, 21, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 21 samples");
  }

  @Test
  void natural_oneClientPerGroup() {
    int[] groups = {2, 0, 2, 1, 0, 2};
    Partition p = Partitioner.natural(groups);

    assertThat(p.numClients()).isEqualTo(3);
    assertThat(p.client(0)).containsExactly(1, 4);
    assertThat(p.client(1)).containsExactly(3);
    assertThat(p.client(2)).containsExactly(0, 2, 5);
  }

  @Test
  void natural_shards_neverMixGroups() {
    int[] groups = IntStream.range(0, 60).map(i -> i % 6).toArray();
    Partition p = Partitioner.natural(groups, 5, 1);

    assertThat(p.numClients()).isEqualTo(30);
    assertExactCover(p, 60);
    for (int[] client : p.clients()) {
      assertThat(Arrays.stream(client).map(i -> groups[i]).distinct().count()).isEqualTo(1);
    }
  }

  @Test
  void natural_datasetWithoutGroups_fails() {
    assertThatThrownBy(() -> Partitioner.natural(new int[] {-1, -1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no natural group");
  }

  @Test
  void summary_savesHistogramPerClientAsJson(@TempDir Path dir) throws Exception {
    PartitionSummary summary = Partitioner.iid(20, 2, 1).summarize(LABELS, CLASSES);
    Path file = dir.resolve("partition.json");
    summary.save(file);

    JsonNode json = new ObjectMapper().readTree(file.toFile());
    assertThat(json.get("clients")).hasSize(2);
    assertThat(json.get("clients").get(0).get("samples").asInt()).isEqualTo(10);
    int histogramTotal = 0;
    for (JsonNode v : json.get("clients").get(0).get("classHistogram")) {
      histogramTotal += v.asInt();
    }
    assertThat(histogramTotal).isEqualTo(10);
    assertThat(json.get("labelSkew").isNumber()).isTrue();
    assertThat(summary.toTable()).contains("client").contains("samples");
  }

  @Test
  void partition_sampleTwice_rejected() {
    assertThatThrownBy(() -> new Partition("x", List.of(new int[] {1, 2}, new int[] {2})))
        .hasMessageContaining("sample 2 is assigned twice");
  }
}
