package org.mpsl4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mpsl4j.core.CentralizedReference.maxAbsDiff;

import ai.djl.ndarray.NDManager;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mpsl4j.core.port.SplitStepRunner;
import org.mpsl4j.core.port.StepReport;
import org.mpsl4j.core.port.Ticker;
import org.mpsl4j.core.step.ClientSplitStep;

/**
 * One MPSL step over the in-memory port against centralized training of the same model on the same
 * rows: equal up to float32 round-off of different summation orders, not bit-identical. Measured
 * largest differences: 4.7e-10 for cut gradients, 9.1e-8 for server parameters after one Adam step
 * (lr 1e-3); the tolerances leave about ten times that.
 */
final class SplitStepRunnerTest {
  private static final float CUT_TOLERANCE = 1e-8f;
  private static final float PARAM_TOLERANCE = 1e-6f;
  private static final int[][] SHARES = {{0, 1, 2}, {3, 4}, {5, 6, 7}, {8, 9, 10}};

  private static StepReport step(SplitFixture f) throws InterruptedException {
    SplitStepRunner runner = new SplitStepRunner(f.cohort, Ticker.system());
    try (NDManager scope = f.manager.newSubManager()) {
      return runner.step(SplitFixture.firstStep(), f.cohort.participants(), c -> f.server, Duration.ofSeconds(5), scope);
    }
  }

  private static Map<String, float[]> serverParams(SplitFixture f) {
    Map<String, float[]> out = new HashMap<>();
    f.server.model().namedParameters().forEach((n, p) -> out.put(n, p.array().toFloatArray()));
    return out;
  }

  private static void assertMatches(SplitFixture f, CentralizedReference ref, List<String> counted) {
    assertThat(f.cutGradients.keySet()).containsExactlyInAnyOrderElementsOf(counted);
    for (String c : counted) {
      for (int input = 0; input < 2; input++) {
        assertThat(maxAbsDiff(f.cutGradients.get(c).get(input), ref.cutGradients.get(c).get(input)))
            .as("cut-layer gradient of %s, input %d", c, input).isLessThanOrEqualTo(CUT_TOLERANCE);
      }
    }
    Map<String, float[]> params = serverParams(f);
    ref.serverParams.forEach((name, want) -> assertThat(maxAbsDiff(params.get(name), want))
        .as("server parameter %s after one step", name).isLessThanOrEqualTo(PARAM_TOLERANCE));
  }

  @Test
  void step_equalsCentralizedStepOnTheSameRows() throws Exception {
    try (SplitFixture f = new SplitFixture(SHARES)) {
      StepReport r = step(f);
      assertThat(r.updates()).isEqualTo(1);
      assertThat(r.samples()).isEqualTo(11);
      assertMatches(f, new CentralizedReference(f, List.of("c0", "c1", "c2", "c3")), List.of("c0", "c1", "c2", "c3"));
    }
  }

  /**
   * c1's output gradient is lost after its outputs went out (B = 11 then): the server renormalizes the
   * others' weights to B_C = 9, so the step equals centralized training on c0, c2 and c3 alone. (Adam's
   * first update hardly depends on the gradient's scale; the cut gradients are what show the weights:
   * without renormalization they would be 9/11 of the reference.)
   */
  @Test
  void outputGradientMissing_othersRenormalized_equalsCentralizedStepWithoutThatClient() throws Exception {
    try (SplitFixture f = new SplitFixture(SHARES)) {
      f.dropOutputGradients.add("c1");
      StepReport r = step(f);
      assertThat(r.samples()).isEqualTo(9);
      assertThat(r.missed()).isEqualTo(1);
      assertMatches(f, new CentralizedReference(f, List.of("c0", "c2", "c3")), List.of("c0", "c2", "c3"));
    }
  }

  @Test
  void clientWhoseOutputGradientDidNotCount_getsNoCutGradient_andTakesNoStep() throws Exception {
    try (SplitFixture f = new SplitFixture(SHARES)) {
      ClientSplitStep c1 = f.memory.client("c1");
      float[] before = c1.model().namedParameters().get("image.proj.weight").array().toFloatArray();
      f.dropOutputGradients.add("c1");
      step(f);
      assertThat(f.cutGradients).doesNotContainKey("c1");
      assertThat(c1.optimizer().steps()).as("c1's optimizer steps").isZero();
      assertThat(c1.model().namedParameters().get("image.proj.weight").array().toFloatArray()).isEqualTo(before);
      assertThat(f.memory.client("c0").optimizer().steps()).as("c0's optimizer steps").isEqualTo(1);
    }
  }

  @Test
  void noOutputGradientAtAll_serverDoesNotStep_andNoClientSteps() throws Exception {
    try (SplitFixture f = new SplitFixture(SHARES)) {
      Map<String, float[]> before = serverParams(f);
      f.dropOutputGradients.addAll(List.of("c0", "c1", "c2", "c3"));
      StepReport r = step(f);
      assertThat(r.updates()).isZero();
      assertThat(r.missed()).isEqualTo(4);
      assertThat(f.server.optimizer().steps()).isZero();
      serverParams(f).forEach((n, p) -> assertThat(p).as("server parameter %s", n).isEqualTo(before.get(n)));
      assertThat(f.cutGradients).isEmpty();
      for (ClientSplitStep c : f.clients) {
        assertThat(c.optimizer().steps()).as("%s's optimizer steps", c.clientId()).isZero();
      }
    }
  }

  /**
   * With a client adversary the encoder's gradient gains the reversed adversary term, so the cut-layer
   * gradients leave the centralized reference (which has no such term), while the step still updates.
   */
  @Test
  void withClientAdversary_cutGradientsCarryTheReversedTerm() throws Exception {
    try (SplitFixture f = new SplitFixture(SHARES)) {
      f.server.useAdversary(new org.mpsl4j.core.step.ClientAdversary(f.manager, 16, 4, 1f, SplitFixture.LR,
          new java.util.Random(5)));
      StepReport r = step(f);
      assertThat(r.updates()).isEqualTo(1);
      CentralizedReference ref = new CentralizedReference(f, List.of("c0", "c1", "c2", "c3"));
      float largest = 0;
      for (String c : List.of("c0", "c1", "c2", "c3")) {
        largest = Math.max(largest, maxAbsDiff(f.cutGradients.get(c).get(0), ref.cutGradients.get(c).get(0)));
      }
      assertThat(largest).as("largest cut-gradient difference from the reference").isGreaterThan(100 * CUT_TOLERANCE);
    }
  }
}
