package org.mpsl4j.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.model.macs.MacCounter;
import org.mpsl4j.model.macs.MacReport;
import picocli.CommandLine.Command;

/** Prints the analytic MACs per sample of reference model shapes, split at the cut layer. */
@Command(name = "macs", mixinStandardHelpOptions = true,
    description = "Print client/server/whole-model MACs per sample for reference model shapes.")
final class MacsCommand implements Callable<Integer> {

  static Map<String, ModelConfig> referenceConfigs() {
    Map<String, ModelConfig> m = new LinkedHashMap<>();
    m.put("ViT-B/16 image 224² (paper)", ModelConfig.builder()
        .addTokenizer(TokenizerSpec.image("image", 3, 224, 224, 16)).setEncoder(EncoderConfig.vitBase())
        .setHead(HeadConfig.classification(10)).build());
    m.put("ViT-Tiny image 224²", ModelConfig.builder()
        .addTokenizer(TokenizerSpec.image("image", 3, 224, 224, 16)).setEncoder(EncoderConfig.vitTiny())
        .setHead(HeadConfig.classification(10)).build());
    m.put("ViT-B/16 image+audio (early)", ModelConfig.builder()
        .addTokenizer(TokenizerSpec.image("image", 3, 224, 224, 16))
        .addTokenizer(TokenizerSpec.audio("audio", 128, 128, 16)).setEncoder(EncoderConfig.vitBase())
        .setHead(HeadConfig.classification(10)).build());
    m.put("MiniLM-L6 image 28²+text 32, last 3 blocks", ModelConfig.builder()
        .addTokenizer(TokenizerSpec.image("image", 1, 28, 28, 7))
        .addTokenizer(TokenizerSpec.text("text", 32, 30522)).setEncoder(EncoderConfig.miniLmL6())
        .setHead(HeadConfig.classification(22)).optTrainableBlocks(3).build());
    return m;
  }

  @Override
  public Integer call() {
    Table t = new Table("model", "tokens", "client fwd", "client fwd+bwd", "whole fwd", "whole fwd+bwd", "whole/client fwd");
    referenceConfigs().forEach((name, c) -> {
      MacReport r = MacCounter.count(c);
      t.row(name, c.encoderTokens(), mega(r.clientForward()), mega(r.clientTraining()), mega(r.wholeForward()),
          mega(r.wholeTraining()), String.format("%.0fx", r.wholeToClientForwardRatio()));
    });
    System.out.println("MACs per sample (M = 10^6); only matmuls and convolutions count (see MacCounter)");
    t.print(System.out);
    return 0;
  }

  private static String mega(long macs) {
    return String.format("%,.1fM", macs / 1e6);
  }
}
