package org.mpsl4j.engine.privacy;

import java.util.function.DoubleUnaryOperator;

/**
 * Marvell's two-class noise problem (Li et al., "Label Leakage and Protection in Two-party Split Learning", ICLR 2022,
 * section 4), solved numerically. The gradient rows of the negative class are modelled as N(μ₀, u·I), those of the
 * positive class as N(μ₁, v·I) in d dimensions, with Δ = μ₁ − μ₀ and D = ‖Δ‖²; a fraction p of the rows is positive.
 * Noise N(0, Σ₀) is added to negative rows and N(0, Σ₁) to positive ones, each of the form
 * Σ = λ_along·Δ̂Δ̂ᵀ + λ_perp·(I − Δ̂Δ̂ᵀ) (the form of the optimum in the paper). The problem is
 *
 * <pre>
 *   minimize   KL(P̃₁ ‖ P̃₀) + KL(P̃₀ ‖ P̃₁)
 *            = ½·[(d − 1)·(a/b + b/a) + (x + D)/y + (y + D)/x] − d,
 *              a = u + λ₀_perp, b = v + λ₁_perp, x = u + λ₀_along, y = v + λ₁_along
 *   subject to (1 − p)·(λ₀_along + (d − 1)·λ₀_perp) + p·(λ₁_along + (d − 1)·λ₁_perp) = Q,  every λ ≥ 0
 * </pre>
 *
 * (the sum of the two KL divergences of the noisy Gaussians, which the paper turns into a bound on the leak AUC of any
 * score; Q the expected squared noise norm per row). It is solved here as follows, not by the paper's case analysis:
 * the part perpendicular to Δ depends only on a/b, which is best at 1, and the cheapest way to move it toward 1 is to
 * add noise to the class with the smaller variance only, so for a power Q⊥ spent perpendicular to Δ the optimum is that
 * (power beyond what equalizes the two variances gains nothing, so Q⊥ is searched up to that amount); for the rest,
 * Q − Q⊥, the split between λ₀_along and λ₁_along is one variable. Both one-variable searches are a grid of
 * {@value #GRID} points refined by golden-section search, which finds the optimum of a function with one minimum on
 * the interval; neither function is proved to have one here, so the solution is the best point found, not a certified
 * optimum. {@code MarvellSolverTest} checks it against the paper's closed form for u = v = 0 and against other splits.
 */
final class MarvellSolver {
  static final int GRID = 48;
  private static final double FLOOR = 1e-12;

  private MarvellSolver() {}

  /**
   * The noise variances: along Δ and per perpendicular direction, for negative and positive rows, and the sum of KL
   * divergences they reach.
   */
  record Solution(double negAlong, double negPerp, double posAlong, double posPerp, double sumKl) {
    /** Expected squared noise norm of a negative row. */
    double negPower(int d) {
      return negAlong + (d - 1) * negPerp;
    }

    /** Expected squared noise norm of a positive row. */
    double posPower(int d) {
      return posAlong + (d - 1) * posPerp;
    }
  }

  /** The objective: the sum of the two KL divergences between the noisy class models. */
  static double sumKl(double u, double v, double gap, int d, double negAlong, double negPerp, double posAlong,
      double posPerp) {
    double a = u + negPerp;
    double b = v + posPerp;
    double x = u + negAlong;
    double y = v + posAlong;
    return 0.5 * ((d - 1) * (a / b + b / a) + (x + gap) / y + (y + gap) / x) - d;
  }

  /**
   * @param u per-coordinate variance of the negative rows (≥ 0; floored at 1e-12)
   * @param v per-coordinate variance of the positive rows (≥ 0; floored at 1e-12)
   * @param gap D = ‖μ₁ − μ₀‖² (≥ 0)
   * @param p share of positive rows, in (0, 1)
   * @param d dimension of a row (≥ 1)
   * @param power Q, the expected squared noise norm per row (≥ 0), in the units of u, v and D
   */
  static Solution solve(double u, double v, double gap, double p, int d, double power) {
    if (!(p > 0 && p < 1) || d < 1 || !(power >= 0) || !(gap >= 0) || !(u >= 0) || !(v >= 0)) {
      throw new IllegalArgumentException("Marvell problem needs 0 < p < 1, d >= 1 and u, v, D, power >= 0 but got p=" + p
          + ", d=" + d + ", u=" + u + ", v=" + v + ", D=" + gap + ", power=" + power);
    }
    double uu = Math.max(u, FLOOR);
    double vv = Math.max(v, FLOOR);
    // power perpendicular to Δ that makes the two classes' variances equal there; more gains nothing
    double equalizing = d == 1 ? 0 : (d - 1) * (uu <= vv ? (1 - p) * (vv - uu) : p * (uu - vv));
    double perpMax = Math.min(power, equalizing);
    double bestPerp = argmin(q -> along(uu, vv, gap, p, d, power, q).sumKl(), 0, perpMax);
    return along(uu, vv, gap, p, d, power, bestPerp);
  }

  /** The best solution that spends {@code perp} perpendicular to Δ (on the class with the smaller variance). */
  private static Solution along(double u, double v, double gap, double p, int d, double power, double perp) {
    double negPerp = 0;
    double posPerp = 0;
    if (d > 1 && perp > 0) {
      double perDirection = perp / (d - 1);
      if (u <= v) {
        negPerp = perDirection / (1 - p);
      } else {
        posPerp = perDirection / p;
      }
    }
    double rest = Math.max(0, power - perp);
    double np = negPerp;
    double pp = posPerp;
    DoubleUnaryOperator objective = negAlong -> sumKl(u, v, gap, d, negAlong, np, posAlongFor(rest, p, negAlong), pp);
    double negAlong = argmin(objective, 0, rest / (1 - p));
    double posAlong = posAlongFor(rest, p, negAlong);
    return new Solution(negAlong, negPerp, posAlong, posPerp, sumKl(u, v, gap, d, negAlong, negPerp, posAlong, posPerp));
  }

  private static double posAlongFor(double rest, double p, double negAlong) {
    return Math.max(0, (rest - (1 - p) * negAlong) / p);
  }

  /** The best point of {@code f} on [lo, hi]: a grid, then golden-section search between the best point's neighbours. */
  static double argmin(DoubleUnaryOperator f, double lo, double hi) {
    if (!(hi > lo)) {
      return lo;
    }
    double step = (hi - lo) / GRID;
    int best = 0;
    double bestValue = Double.POSITIVE_INFINITY;
    for (int i = 0; i <= GRID; i++) {
      double value = f.applyAsDouble(lo + i * step);
      if (value < bestValue) {
        bestValue = value;
        best = i;
      }
    }
    double a = lo + Math.max(0, best - 1) * step;
    double b = lo + Math.min(GRID, best + 1) * step;
    double ratio = (Math.sqrt(5) - 1) / 2;
    double c = b - ratio * (b - a);
    double e = a + ratio * (b - a);
    double fc = f.applyAsDouble(c);
    double fe = f.applyAsDouble(e);
    for (int i = 0; i < 60 && b - a > 1e-12 * Math.max(1, Math.abs(hi)); i++) {
      if (fc <= fe) {
        b = e;
        e = c;
        fe = fc;
        c = b - ratio * (b - a);
        fc = f.applyAsDouble(c);
      } else {
        a = c;
        c = e;
        fc = fe;
        e = a + ratio * (b - a);
        fe = f.applyAsDouble(e);
      }
    }
    double refined = fc <= fe ? c : e;
    return Math.min(fc, fe) <= bestValue ? refined : lo + best * step;
  }
}
