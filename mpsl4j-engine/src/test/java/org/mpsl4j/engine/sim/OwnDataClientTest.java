package org.mpsl4j.engine.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.engine.mpsl.MpslClient;
import org.mpsl4j.engine.mpsl.RandomDataset;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.protocol.v1.Hello;

/**
 * A client on its own data ({@code client --own-data}) declares its whole training split and is named by its index;
 * no partition of anyone else's data is involved. Its run against a server without a partition:
 * {@code SpreadBatchesRunTest.ownDataClients_withoutAPartition_spreadOverTheServersEpoch}.
 */
final class OwnDataClientTest {
  private static final ModelConfig MODEL = RandomDataset.model();

  @Test
  void ownDataClient_declaresItsWholeTrainingSplit_underTheIdOfItsIndex() {
    DatasetSplit data = new DatasetSplit(new RandomDataset(37, 3, 1), new RandomDataset(9, 3, 2));
    SimulationConfig config = new SimulationConfig(MODEL, 10, 4, 1, 1e-3f, 5, 0.5, 10, 2024, Duration.ofSeconds(5), 1);
    try (MpslClient client = MpslSetup.ownDataClient(config, data, 7, "t")) {
      Hello hello = client.hello().getHello();
      assertThat(hello.getClientId()).isEqualTo("client-7");
      assertThat(hello.getTrainSamples()).isEqualTo(37);
      assertThat(hello.getBatchSize()).isEqualTo(4);
    }
  }

  /**
   * With spread batches (the default) the client cannot know its slice before the Welcome, so it declares the most a
   * slice can be: min(nᵢ, N·b) = min(37, 10·4) = 37 here, and N·b = 40 on a larger split.
   */
  @Test
  void ownDataClient_withSpreadBatches_declaresTheLargestSliceItCouldBeGiven() {
    SimulationConfig config = new SimulationConfig(MODEL, 10, 4, 1, 1e-3f, 5, 0.5, 10, 2024, Duration.ofSeconds(5), 1)
        .withBatches(ClientBatches.SPREAD);
    DatasetSplit small = new DatasetSplit(new RandomDataset(37, 3, 1), new RandomDataset(9, 3, 2));
    DatasetSplit large = new DatasetSplit(new RandomDataset(95, 3, 1), new RandomDataset(9, 3, 2));
    try (MpslClient a = MpslSetup.ownDataClient(config, small, 0, "t");
        MpslClient b = MpslSetup.ownDataClient(config, large, 1, "t")) {
      assertThat(a.hello().getHello().getBatchSize()).isEqualTo(37);
      assertThat(b.hello().getHello().getBatchSize()).isEqualTo(40);
      assertThat(b.hello().getHello().getTrainSamples()).isEqualTo(95);
    }
  }

  @Test
  void ownDataClient_withProportionalBatches_isRefused() {
    DatasetSplit data = new DatasetSplit(new RandomDataset(37, 3, 1), new RandomDataset(9, 3, 2));
    SimulationConfig config = new SimulationConfig(MODEL, 10, 4, 1, 1e-3f, 5, 0.5, 10, 2024, Duration.ofSeconds(5), 1)
        .withBatches(ClientBatches.PROPORTIONAL);
    assertThatThrownBy(() -> MpslSetup.ownDataClient(config, data, 0, "t"))
        .hasMessageContaining("--client-batches proportional needs every client's share; a client on its own data"
            + " (--own-data) takes spread or equal batches");
  }
}
