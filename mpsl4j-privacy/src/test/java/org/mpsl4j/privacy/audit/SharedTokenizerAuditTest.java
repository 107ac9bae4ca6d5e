package org.mpsl4j.privacy.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.engine.mpsl.MpslServer;
import org.mpsl4j.engine.mpsl.TokenizerPolicy;
import org.mpsl4j.engine.privacy.PrivacySettings;
import org.mpsl4j.engine.sim.ClientBatches;
import org.mpsl4j.engine.sim.SimulationConfig;

/**
 * The input attacks against one shared tokenizer (#17's global-model setting, with spread batches): held by the
 * server, it lets the server invert every activation exactly; kept on the clients from a secret seed (the private
 * shared tokenizer), least squares has no weights to invert with. Small MNIST runs, 3 clients, one epoch.
 */
final class SharedTokenizerAuditTest {
  private static SimulationConfig config(DatasetSplit split) {
    SimulationConfig base = SmallRuns.config(split, 1);
    return new SimulationConfig(base.model(), 3, 5, 1, 2e-3f, 5, 0.5, 10, 2024, Duration.ofSeconds(60), 2)
        .withTokenizers(TokenizerPolicy.sharedGradients(1)).withBatches(ClientBatches.SPREAD);
  }

  @Test
  @Timeout(300)
  void serverHeldSharedTokenizer_everyImageExact_privateOne_noneAboveABlankGuess() throws Exception {
    DatasetSplit split = SmallRuns.mnist(300);

    AttackReport held = PrivacyAudit.run("shared", config(split), PrivacySettings.NONE, split);
    AttackReport kept = PrivacyAudit.run("private shared", config(split), PrivacySettings.NONE.withClientSeed(99L), split,
        MpslServer::withPrivateAverage);

    System.out.printf("shared tokenizer held by the server: %.1f dB, %.1f %% exact; kept on the clients: %.1f dB, "
        + "SSIM %.2f (blank guess %.1f dB)%n", held.psnr(), 100 * held.exactInputs(), kept.psnr(), kept.ssim(),
        kept.psnrBlank());
    assertThat(held.exactInputs()).as("images reconstructed exactly from the server's own tokenizer").isEqualTo(1.0);
    assertThat(kept.exactInputs()).isZero();
    assertThat(kept.psnr()).as("least squares with weights the server can only guess")
        .isLessThanOrEqualTo(kept.psnrBlank() + 1);
    assertThat(kept.ssim()).isLessThan(0.3);
  }
}
