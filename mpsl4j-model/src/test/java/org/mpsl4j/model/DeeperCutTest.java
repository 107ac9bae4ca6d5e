package org.mpsl4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mpsl4j.model.macs.MacCounter;
import org.mpsl4j.model.macs.MacReport;
import org.mpsl4j.model.pretrained.EncoderSource;
import org.mpsl4j.model.tokenizer.Tokens;

/**
 * A deeper cut (--client-blocks k): the clients hold the encoder's first k blocks, the server the rest; the client's
 * MACs grow by exactly the blocks it took from the server; settings where it cannot apply are refused.
 */
final class DeeperCutTest {
  private static final ModelConfig TWO_BLOCKS = TinyModels.threeModalities(NormPlacement.PRE, Fusion.EARLY);

  @Test
  void clientBlocks_moveTheFirstBlocksToTheClient() {
    ModelConfig cut = TWO_BLOCKS.withClientBlocks(1);
    try (NDManager m = NDManager.newBaseManager()) {
      ClientModel client = new ClientModel(m, cut, new Random(1));
      ServerModel server = new ServerModel(m, cut, new Random(2));

      assertThat(client.namedParameters()).containsKey("encoder.blocks.0.attn.qkv.weight")
          .doesNotContainKey("encoder.norm.weight"); // the final norm stays on top of the encoder, on the server
      assertThat(server.encoder().blocks()).hasSize(1);
      assertThat(server.namedParameters()).containsKey("encoder.norm.weight")
          .doesNotContainKey("encoder.blocks.1.attn.qkv.weight");
    }
  }

  @Test
  void forward_throughTheClientBlocks_isTheFullModelAndTrainsThem() {
    ModelConfig cut = TWO_BLOCKS.withClientBlocks(1);
    try (NDManager m = NDManager.newBaseManager()) {
      ClientModel client = new ClientModel(m, cut, new Random(1));
      ServerModel server = new ServerModel(m, cut, new Random(2));
      List<Tokens> tokens;
      NDArray logits;
      try (Autograd.Recording r = Autograd.record()) {
        tokens = client.forward(TinyModels.inputs(m, cut, 3, 5), TinyModels.masks(m, cut, 3, 1));
        logits = server.forward(tokens, true);
        Autograd.backward(logits.sum());
      }
      assertThat(logits.getShape().getShape()).containsExactly(3, 3);
      Parameter qkv = client.namedParameters().get("encoder.blocks.0.attn.qkv.weight");
      assertThat(qkv.gradient(m).abs().sum().getFloat()).as("gradient reaching the client's block").isPositive();
    }
  }

  /** Image 5 tokens, sensor 3, text 4 on the client, each alone: one block each; the server keeps one block of 12. */
  @Test
  void macs_clientPaysForItsBlocks_serverForOneBlockLess() {
    MacReport plain = MacCounter.count(TWO_BLOCKS);
    MacReport cut = MacCounter.count(TWO_BLOCKS.withClientBlocks(1));
    long clientBlocks = 0;
    for (int t : new int[] {5, 3, 4}) {
      clientBlocks += t * 512L + 2L * t * t * 8;
    }
    assertThat(cut.clientForward()).isEqualTo(plain.clientForward() + clientBlocks);
    assertThat(cut.clientBackward()).isEqualTo(plain.clientBackward() + 2 * clientBlocks);
    assertThat(cut.serverForward()).isEqualTo(plain.serverForward() - (6144 + 2304));
  }

  @Test
  void clientBlocks_refusedWhereTheyCannotApply() {
    assertThatThrownBy(() -> TWO_BLOCKS.withClientBlocks(2)).hasMessageContaining("--client-blocks must be in [0, 1]");
    ModelConfig pretrained = ModelConfig.builder().addTokenizer(TokenizerSpec.text("text", 4, 20))
        .optEncoderWeights(new EncoderSource.Pretrained()).setHead(HeadConfig.classification(3)).build();
    assertThatThrownBy(() -> pretrained.withClientBlocks(1)).hasMessageContaining("--encoder scratch");
  }

  @Test
  void fingerprint_changesWithTheCut_andStaysWithoutIt() {
    assertThat(TWO_BLOCKS.withClientBlocks(1).fingerprint()).isNotEqualTo(TWO_BLOCKS.fingerprint());
    assertThat(TWO_BLOCKS.withClientBlocks(0).fingerprint()).isEqualTo(TWO_BLOCKS.fingerprint());
  }
}
