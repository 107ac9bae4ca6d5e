package org.mpsl4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.mpsl4j.model.macs.MacCounter;
import org.mpsl4j.model.macs.MacReport;

/** The MAC counts of a tiny configuration, worked out by hand in each test. */
final class MacCounterTest {

  /** image 1×8×8 patch 4 → 4 patches; width 8: 4·8·1·16 = 512 MACs. */
  @Test
  void tokenizerForward_imagePatches() {
    assertThat(MacCounter.tokenizerForward(TokenizerSpec.image("i", 1, 8, 8, 4), 8)).isEqualTo(512);
  }

  /** sensor 3×8 patch 4 → 2 patches: 2·8·3·4 = 192; text costs nothing (lookups). */
  @Test
  void tokenizerForward_sensorAndText() {
    assertThat(MacCounter.tokenizerForward(TokenizerSpec.sensor("s", 3, 8, 4), 8)).isEqualTo(192);
    assertThat(MacCounter.tokenizerForward(TokenizerSpec.text("t", 4, 20), 8)).isZero();
  }

  /**
   * Early fusion: 5 + 3 + 4 = 12 tokens, d = 8, h = 16. One block: linear 12·(3·64 + 64 + 2·8·16) =
   * 12·512 = 6144; attention 2·144·8 = 2304. Two blocks: 16896. Head: 8·3 = 24.
   */
  @Test
  void count_earlyFusion_allTrained() {
    MacReport r = MacCounter.count(TinyModels.threeModalities(NormPlacement.PRE, Fusion.EARLY));
    assertThat(r.clientForward()).isEqualTo(512 + 192);
    assertThat(r.clientBackward()).isEqualTo(512 + 192);
    assertThat(r.serverForward()).isEqualTo(2 * (6144 + 2304) + 24);
    // trained blocks with trained tokenizers below: weight grads (6144) + input grads (6144 + 2·2304)
    assertThat(r.serverBackward()).isEqualTo(2 * (6144 + 6144 + 4608) + 24 + 24);
  }

  /** Late fusion runs the encoder per modality: tokens 5, 3 and 4 separately. */
  @Test
  void count_lateFusion_sumsPerModality() {
    MacReport r = MacCounter.count(TinyModels.threeModalities(NormPlacement.PRE, Fusion.LATE));
    long perBlock = 0;
    for (int t : new int[] {5, 3, 4}) {
      perBlock += t * 512L + 2L * t * t * 8;
    }
    assertThat(r.serverForward()).isEqualTo(2 * perBlock + 24);
  }

  /**
   * Frozen encoder with frozen tokenizers: nothing below the head is trained, so no block needs a
   * backward pass and the head needs only its weight gradient.
   */
  @Test
  void count_frozenEncoderAndTokenizers_onlyHeadBackward() {
    ModelConfig c = TinyModels.threeModalities(NormPlacement.PRE, Fusion.EARLY).withTrainableBlocks(0);
    MacReport r = MacCounter.count(c, false);
    assertThat(r.clientBackward()).isZero();
    assertThat(r.serverBackward()).isEqualTo(24);
  }

  /**
   * Only the last block trained, tokenizers frozen: block 0 does nothing backward; block 1 computes
   * weight grads (6144) and input grads for every layer but qkv (6144 − 12·3·64 = 3840) plus 2·2304.
   */
  @Test
  void count_lastBlockOnly_skipsQkvInputGradient() {
    ModelConfig c = TinyModels.threeModalities(NormPlacement.PRE, Fusion.EARLY).withTrainableBlocks(1);
    MacReport r = MacCounter.count(c, false);
    assertThat(r.serverBackward()).isEqualTo(6144 + 3840 + 4608 + 24 + 24);
  }

  /** The paper's claim: for a ViT-B/16-shaped model the client part is hundreds of times lighter. */
  @Test
  void count_vitBase_wholeModelIsHundredsOfTimesTheTokenizer() {
    ModelConfig vitB = ModelConfig.builder()
        .addTokenizer(TokenizerSpec.image("image", 3, 224, 224, 16))
        .setEncoder(EncoderConfig.vitBase())
        .setHead(HeadConfig.classification(10))
        .build();
    MacReport r = MacCounter.count(vitB);
    // 196 patches · 768 · 3 · 256 = 115.6 M MACs on the client
    assertThat(r.clientForward()).isEqualTo(196L * 768 * 3 * 256);
    assertThat(r.wholeToClientForwardRatio()).isBetween(100.0, 1000.0);
  }
}
