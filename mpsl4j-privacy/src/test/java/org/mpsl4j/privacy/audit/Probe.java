package org.mpsl4j.privacy.audit;

import org.junit.jupiter.api.Test;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.engine.privacy.PrivacySettings;
import org.mpsl4j.engine.sim.SimulationConfig;
import org.mpsl4j.model.ModelConfig;

final class Probe {
  @Test
  void probe() throws Exception {
    DatasetSplit split = SmallRuns.mnist(300);
    SimulationConfig plain = SmallRuns.config(split, 2);
    ModelConfig u = new ModelConfig(plain.model().tokenizers(), plain.model().encoder(), plain.model().fusion(),
        plain.model().pooling(), plain.model().head().onClients(), plain.model().trainableBlocks(), plain.model().weights());
    SimulationConfig ushaped = new SimulationConfig(u, 3, 5, 2, 2e-3f, 5, 0.5, 10, 2024, java.time.Duration.ofSeconds(60), 2);
    System.out.println(PrivacyAudit.run("plain", plain, PrivacySettings.NONE, split));
    System.out.println(PrivacyAudit.run("head-client", ushaped, PrivacySettings.NONE, split));
    PrivacySettings p = PrivacySettings.NONE.withReportLoss(false).withClientSeed(99L).withLabelEpsilon(2).withGradientNoise(1);
    System.out.println(PrivacyAudit.run("private", ushaped, p, split));
    System.out.println(PrivacyAudit.run("private+act0.5", ushaped, p.withActivationNoise(0.5), split));
  }
}
