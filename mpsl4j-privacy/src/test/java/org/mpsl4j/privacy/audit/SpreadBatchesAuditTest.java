package org.mpsl4j.privacy.audit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.engine.sim.ClientBatches;
import org.mpsl4j.engine.sim.Simulation;
import org.mpsl4j.engine.sim.SimulationConfig;

/**
 * The audit names each step's true batch the way the client cuts it under {@code --client-batches spread} (#17's
 * recommended setting), not as b rows per step: on the plain protocol the exact rule then reads every label and the
 * tracked weights give back every image. Before GroundTruth knew the plan, the rows were scored against the wrong
 * samples (and the inversion was handed the wrong batch size and failed).
 */
final class SpreadBatchesAuditTest {
  @Test
  @Timeout(300)
  void spreadBatches_everyRowScoredAgainstItsOwnSample() throws Exception {
    DatasetSplit split = SmallRuns.mnist(300);
    SimulationConfig config = SmallRuns.config(split, 1).withBatches(ClientBatches.SPREAD);

    AttackReport r = PrivacyAudit.run("plain-spread", new Simulation(config, split), config, split);

    assertThat(r.samples()).as("training samples attacked").isEqualTo(300);
    assertThat(r.exactRule()).as("labels read off output gradients").isEqualTo(1.0);
    assertThat(r.exactInputs()).as("images within half an 8-bit step").isEqualTo(1.0);
  }
}
