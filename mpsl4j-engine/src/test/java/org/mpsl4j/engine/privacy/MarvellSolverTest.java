package org.mpsl4j.engine.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * The solver of Marvell's two-class problem reaches the paper's closed form, spends the budget, and beats other splits.
 */
final class MarvellSolverTest {

  @Test
  void withoutSpread_itReachesThePapersClosedForm() {
    // u = v = 0: the paper's solve_zero_uv: E = √((Q + (1 − p)D)/(Q + pD)), λ₀ = (Q/p)/(E + (1 − p)/p),
    // λ₁ = Q/p − (1 − p)λ₀/p (Li et al. 2022, reference code). The solver's floor of 1e-12 on u and v changes it by
    // less than 1e-6.
    double gap = 2.0;
    double p = 0.3;
    double q = 1.5;
    double e = Math.sqrt((q + (1 - p) * gap) / (q + p * gap));
    double negAlong = (q / p) / (e + (1 - p) / p);
    double posAlong = q / p - (1 - p) * negAlong / p;

    MarvellSolver.Solution s = MarvellSolver.solve(0, 0, gap, p, 8, q);

    assertThat(s.negAlong()).isCloseTo(negAlong, within(1e-6));
    assertThat(s.posAlong()).isCloseTo(posAlong, within(1e-6));
    assertThat(s.negPerp()).isZero();
    assertThat(s.posPerp()).isZero();
  }

  @Test
  void solution_spendsTheBudget_andEqualizesTheSpreadPerpendicularToTheGap_whenItCan() {
    // negatives spread less (u < v): a large budget first lifts their perpendicular variance to v
    int d = 16;
    double u = 0.01;
    double v = 0.05;
    double p = 0.25;
    MarvellSolver.Solution s = MarvellSolver.solve(u, v, 1.0, p, d, 20);

    assertThat((1 - p) * s.negPower(d) + p * s.posPower(d)).isCloseTo(20, within(1e-9));
    // the objective is flat (quadratic) at equality, so the search resolves it to about √(machine ε) relative: 0.1 %
    assertThat(u + s.negPerp()).isCloseTo(v + s.posPerp(), within(5e-5));
    assertThat(s.sumKl()).isLessThan(MarvellSolver.sumKl(u, v, 1.0, d, 0, 0, 0, 0));
  }

  @Test
  void solution_isNoWorseThanOtherSplitsOfTheSameBudget() {
    int d = 8;
    double u = 0.02;
    double v = 0.005;
    double gap = 0.5;
    double p = 0.4;
    double q = 0.3;
    MarvellSolver.Solution s = MarvellSolver.solve(u, v, gap, p, d, q);

    // isotropic noise of the same power, the same for both classes
    double iso = q / d;
    assertThat(s.sumKl()).isLessThanOrEqualTo(MarvellSolver.sumKl(u, v, gap, d, iso, iso, iso, iso));
    // every split between the four variances on a coarse grid
    for (int i = 0; i <= 10; i++) {
      for (int j = 0; j <= 10 - i; j++) {
        for (int l = 0; l <= 10 - i - j; l++) {
          double negAlong = q * i / 10 / (1 - p);
          double posAlong = q * j / 10 / p;
          double negPerp = q * l / 10 / (1 - p) / (d - 1);
          double posPerp = q * (10 - i - j - l) / 10 / p / (d - 1);
          assertThat(s.sumKl()).isLessThanOrEqualTo(
              MarvellSolver.sumKl(u, v, gap, d, negAlong, negPerp, posAlong, posPerp) + 1e-9);
        }
      }
    }
  }

  @Test
  void badInput_isRefusedWithTheValues() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> MarvellSolver.solve(0.1, 0.1, 1, 1.0, 4, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("p=1.0");
  }
}
