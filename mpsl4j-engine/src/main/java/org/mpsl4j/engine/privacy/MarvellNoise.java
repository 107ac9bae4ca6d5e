package org.mpsl4j.engine.privacy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Marvell's optimized gradient noise (Li et al., "Label Leakage and Protection in Two-party Split Learning", ICLR 2022)
 * for C classes, one class against the rest. Marvell is a two-class method; this is a generalization, and what in it is
 * optimized and what is approximated is stated here.
 *
 * <p><b>Statistics.</b> The client keeps, over its own batches, running (decay {@value #DECAY} per step) class weights
 * w_c (decayed counts), class means μ_c of its gradient rows, and class means s_c of their squared norms. From them,
 * with π_c = w_c / Σ w: the overall mean μ = Σ π_c μ_c, the mean squared row norm S = Σ π_c s_c, and for each class
 * c the rest's mean μ_¬c = (μ − π_c μ_c)/(1 − π_c) and mean squared norm s_¬c = (S − π_c s_c)/(1 − π_c).
 *
 * <p><b>What is optimized.</b> For each class c with 0 &lt; π_c &lt; 1 (A such classes), the two-class problem of
 * {@link MarvellSolver} with positives = class c, negatives = the rest: p = π_c, Δ_c = μ_c − μ_¬c, D = ‖Δ_c‖²,
 * v = (s_c − ‖μ_c‖²)/k and u = (s_¬c − ‖μ_¬c‖²)/k (mean per-coordinate variances, floored at 0), each divided by S,
 * and the power Q = P / A (with A = 2 the two problems are the same one, solved once with Q = P: Marvell's own
 * two-class noise, on running statistics). It minimizes the sum of the two KL divergences between the noisy Gaussian
 * models of class c and of the rest, over noise covariances λ_along·Δ̂Δ̂ᵀ + λ_perp·(I − Δ̂Δ̂ᵀ) for each side, with
 * expected squared noise norm Q·S per row.
 *
 * <p><b>What is approximated.</b> (1) Rows of a class, and of "the rest" (a mixture of classes), are modelled as
 * Gaussians with isotropic covariance (Marvell's own model). (2) For more than two classes the A one-vs-rest problems
 * are solved separately, each with an equal share P / A of the budget, and a row receives the sum of independent
 * draws, one per problem c: the positive-side noise of problem c if its label is c, else the negative-side noise. The
 * noise of the other problems also reaches the rows of problem c, which its KL does not account for; the sum of KL
 * divergences of the noise actually sent is not computed. (3) The statistics are running averages over this
 * client's past batches, so they lag the current gradients; a class not in the recent batches keeps its old mean.
 * (4) Per batch, every variance is multiplied by one factor so that the expected squared noise norm per row, averaged
 * over the batch's rows with their labels, is P × the batch's mean squared row norm (the power of
 * {@code --class-noise} and of {@code --grad-noise √P}); the solution is computed in units of the running S. (5) Each
 * client fits its noise to its own rows, while the server's attacks see every client's rows together. (6) Where a
 * class mean equals the rest's exactly (Δ_c = 0), the along-Δ variance of that problem is not drawn.
 *
 * <p>Unlike {@link ClassSubspaceNoise}, the noise's distribution depends on the row's label (Marvell's noise does: it
 * equalizes the two classes' spreads); its mean is zero for every label, so the summed gradient stays unbiased. Until
 * some class has 0 &lt; π_c &lt; 1 (one class seen), the noise is isotropic of the same power. One instance per client;
 * not thread-safe.
 */
public final class MarvellNoise {
  static final double DECAY = 0.9;

  private final double power;
  private final int classes;
  private final SeededGaussian gaussian;
  private float[] means; // (C, k) running class means; null until the first batch
  private float[] squares; // (C) running class mean squared norms
  private float[] weights; // (C) decayed class counts

  /**
   * @param power expected squared noise norm per row, in units of the batch's mean squared row norm (> 0)
   * @param classes number of classes the labels take
   * @param gaussian the client's noise generator
   */
  MarvellNoise(double power, int classes, SeededGaussian gaussian) {
    if (!(power > 0) || Double.isInfinite(power)) {
      throw new IllegalArgumentException("Marvell noise power must be finite and > 0 but was " + power
          + " (use --marvell-noise)");
    }
    this.power = power;
    this.classes = classes;
    this.gaussian = gaussian;
  }

  /**
   * Noise (b, k) for the gradient rows {@code g} (b, k) with {@code labels} (b), drawn after updating the running
   * statistics with this batch.
   */
  public NDArray draw(NDArray g, NDArray labels, NDManager scope) {
    long b = g.getShape().get(0);
    int k = (int) g.getShape().get(1);
    NDArray onehot = oneHot(labels, scope); // (b, C)
    update(g, onehot, k, scope);
    double meanSquaredNorm = g.square().sum().getFloat() / Math.max(1, b);
    Solutions plan = solve(k, scope);
    if (plan == null) {
      return isotropic(g.getShape(), meanSquaredNorm, k, scope);
    }
    // per problem c (C, 1): the variances of each side; rows take the positive side where their label is c
    NDArray positive = onehot.transpose(); // (C, b)
    NDArray negative = positive.neg().add(1f);
    NDArray posPower = scope.create(plan.posPower).expandDims(1);
    NDArray negPower = scope.create(plan.negPower).expandDims(1);
    double batchPower = positive.mul(posPower).add(negative.mul(negPower)).sum().getFloat() / b;
    if (!(batchPower > 1e-12 * power)) {
      return isotropic(g.getShape(), meanSquaredNorm, k, scope);
    }
    float scale = (float) (power * meanSquaredNorm / batchPower);
    NDArray along = side(positive, negative, plan.posAlong, plan.negAlong, scale, scope); // (C, b) std devs
    NDArray perp = side(positive, negative, plan.posPerp, plan.negPerp, scale, scope);
    NDArray directions = scope.create(plan.directions, new Shape(classes, k)).expandDims(1); // (C, 1, k) unit rows
    NDArray z = gaussian.draw(new Shape(classes, b, k), 1f, scope); // (C, b, k)
    NDArray projection = z.mul(directions).sum(new int[] {2}, true); // (C, b, 1): N(0, 1) along Δ̂_c
    NDArray alongPart = projection.mul(directions); // (C, b, k)
    NDArray perpPart = z.sub(alongPart);
    return alongPart.mul(along.expandDims(2)).add(perpPart.mul(perp.expandDims(2))).sum(new int[] {0});
  }

  /** Standard deviations (C, b): √(scale·λ) of the positive side where the row is of class c, else of the negative. */
  private static NDArray side(NDArray positive, NDArray negative, float[] pos, float[] neg, float scale,
      NDManager scope) {
    NDArray p = scope.create(pos).mul(scale).sqrt().expandDims(1);
    NDArray n = scope.create(neg).mul(scale).sqrt().expandDims(1);
    return positive.mul(p).add(negative.mul(n));
  }

  private NDArray isotropic(Shape shape, double meanSquaredNorm, int k, NDManager scope) {
    return gaussian.draw(shape, (float) Math.sqrt(power * meanSquaredNorm / k), scope);
  }

  private NDArray oneHot(NDArray labels, NDManager scope) {
    // DJL's PyTorch engine has no oneHot
    return labels.toType(DataType.INT64, false).expandDims(1)
        .eq(scope.arange(0L, (long) classes, 1L, DataType.INT64).expandDims(0)).toType(DataType.FLOAT32, false);
  }

  /** The running weights, class means and class mean squared norms, updated with one batch by array ops. */
  private void update(NDArray g, NDArray onehot, int k, NDManager scope) {
    if (means == null) {
      means = new float[classes * k];
      squares = new float[classes];
      weights = new float[classes];
    }
    NDArray counts = onehot.sum(new int[] {0}); // (C)
    NDArray safe = counts.maximum(1f);
    NDArray batchMeans = onehot.transpose().matMul(g).div(safe.expandDims(1)); // (C, k)
    NDArray batchSquares = onehot.transpose().matMul(g.square().sum(new int[] {1}, true)).squeeze(1).div(safe);
    NDArray oldWeights = scope.create(weights);
    NDArray seen = oldWeights.gt(0f).toType(DataType.FLOAT32, false); // a class seen before blends, a new one starts
    NDArray present = counts.gt(0f).toType(DataType.FLOAT32, false); // only classes in this batch move
    NDArray keep = seen.mul((float) DECAY); // weight of the old value where the class is present
    NDArray oldMeans = scope.create(means, new Shape(classes, k));
    NDArray oldSquares = scope.create(squares);
    NDArray targetMeans = oldMeans.mul(keep.expandDims(1)).add(batchMeans.mul(keep.neg().add(1f).expandDims(1)));
    NDArray targetSquares = oldSquares.mul(keep).add(batchSquares.mul(keep.neg().add(1f)));
    means = oldMeans.add(targetMeans.sub(oldMeans).mul(present.expandDims(1))).toFloatArray();
    squares = oldSquares.add(targetSquares.sub(oldSquares).mul(present)).toFloatArray();
    weights = oldWeights.mul((float) DECAY).add(counts.mul((float) (1 - DECAY))).toFloatArray();
  }

  /** The solved variances per class problem (zero for classes without a problem) and the unit directions Δ̂_c. */
  private record Solutions(float[] posAlong, float[] posPerp, float[] negAlong, float[] negPerp, float[] posPower,
      float[] negPower, float[] directions) {}

  /** The C one-vs-rest problems from the running statistics, in units of S; null when none is defined. */
  private Solutions solve(int k, NDManager scope) {
    NDArray w = scope.create(weights);
    float total = w.sum().getFloat();
    if (!(total > 0)) {
      return null;
    }
    NDArray share = w.div(total); // π (C)
    NDArray m = scope.create(means, new Shape(classes, k)); // μ_c
    NDArray s = scope.create(squares); // s_c
    NDArray mu = share.expandDims(0).matMul(m); // (1, k)
    float overallSquares = share.mul(s).sum().getFloat(); // S
    if (!(overallSquares > 0)) {
      return null;
    }
    NDArray rest = share.neg().add(1f).maximum(1e-12f); // 1 − π_c
    NDArray restMeans = mu.sub(m.mul(share.expandDims(1))).div(rest.expandDims(1)); // μ_¬c (C, k)
    NDArray restSquares = s.mul(share).neg().add(overallSquares).div(rest); // s_¬c
    NDArray delta = m.sub(restMeans); // Δ_c
    NDArray gapNorm = delta.square().sum(new int[] {1}); // D_c
    NDArray posVar = s.sub(m.square().sum(new int[] {1})).maximum(0f).div((float) k); // v_c
    NDArray negVar = restSquares.sub(restMeans.square().sum(new int[] {1})).maximum(0f).div((float) k); // u_c
    float[] directions = delta.div(gapNorm.sqrt().maximum(1e-30f).expandDims(1)).toFloatArray();
    float[] p = share.toFloatArray();
    float[] gap = gapNorm.div(overallSquares).toFloatArray();
    float[] v = posVar.div(overallSquares).toFloatArray();
    float[] u = negVar.div(overallSquares).toFloatArray();
    int active = 0;
    for (float pc : p) {
      active += pc > 1e-6f && pc < 1 - 1e-6f ? 1 : 0;
    }
    if (active == 0) {
      return null;
    }
    float[][] out = new float[6][classes];
    // with two classes the two one-vs-rest problems are one problem (Δ and p mirrored): solve it once, with all of P
    int problems = active == 2 ? 1 : active;
    int solved = 0;
    for (int c = 0; c < classes && solved < problems; c++) {
      if (p[c] > 1e-6f && p[c] < 1 - 1e-6f) {
        solved++;
        MarvellSolver.Solution x = MarvellSolver.solve(u[c], v[c], gap[c], p[c], k, power / problems);
        out[0][c] = (float) x.posAlong();
        out[1][c] = (float) x.posPerp();
        out[2][c] = (float) x.negAlong();
        out[3][c] = (float) x.negPerp();
        out[4][c] = (float) x.posPower(k);
        out[5][c] = (float) x.negPower(k);
      }
    }
    return new Solutions(out[0], out[1], out[2], out[3], out[4], out[5], directions);
  }
}
