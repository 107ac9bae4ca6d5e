package org.mpsl4j.privacy.audit;

/**
 * Every attack's score on one run, next to the run's utility. NaN where an attack does not apply (e.g. the exact
 * rule on representation gradients, loss matching when no loss is sent).
 *
 * @param testAccuracy global-model test accuracy after the last epoch
 * @param epochTestAccuracies global-model test accuracy after each epoch, in order (the last is {@code testAccuracy}):
 *     whether a defense slows learning or stops it shows in the curve, not in one figure
 * @param samples training samples whose messages were attacked
 * @param chance the accuracy of always guessing the most frequent class among them
 * @param exactRule share of labels read off output gradients by the exact rule (argmin)
 * @param headInversion share of labels recovered from representation gradients with the head the server learned
 *     from the previous epoch's upload (head on the client; epochs after the first only)
 * @param normLeakAuc mean one-vs-rest leak AUC of the gradient-norm score (Li et al.)
 * @param cosineLeakAuc mean one-vs-rest leak AUC of the cosine with one known sample per class (Li et al.)
 * @param cosineAccuracy accuracy of naming each sample by its most cosine-similar known sample
 * @param centroidAccuracy accuracy of the known-label centroid attack (the mean gradient direction of a few known
 *     samples per class, 3 % of the samples in all: {@code PrivacyAudit.KNOWN_SHARE}), on the rows of the other samples
 * @param centroidChance the accuracy of always guessing the most frequent class on those rows
 * @param centroidBalancedAccuracy the same attack's mean per-class recall (chance: 1 / classes): under class imbalance
 *     the majority rate hides what it reads of the other classes
 * @param centroidLeakAuc mean one-vs-rest leak AUC of the cosine with each class's centroid, on the same rows
 * @param clusterPurity accuracy of k-means clusters of the gradients named by majority (arXiv 2203.05222); the
 *     majority is read from the true labels, so this is how well the rows separate rather than what a server could
 *     name
 * @param clusterChance the purity of the same clusters against shuffled labels: what sizes alone give
 * @param batchSumPurity purity of k-means clusters of each client step's summed gradient rows, each sample named by
 *     its batch's cluster ({@code GradientLabelAttacks.batchSumClusters}): what survives noise that sums to zero over a
 *     batch
 * @param batchSumChance the purity of the same clusters against shuffled labels
 * @param lossMatching share of labels recovered from logits + reported loss and correct count
 * @param histogramError mean total-variation distance between each client's true class mix and the one its
 *     loss-matched labels give (0 = exact, 1 = disjoint)
 * @param psnr mean PSNR (dB) of the inputs reconstructed from activations with weights tracked from the server's seed
 * @param ssim mean SSIM of those (images only; NaN otherwise)
 * @param exactInputs share of samples whose reconstruction is within half an 8-bit step of the original everywhere
 * @param psnrFromAverage mean PSNR when the server inverts with the previous epoch's averaged tokenizer instead
 *     (epochs after the first only)
 * @param ssimFromAverage SSIM of those
 * @param psnrBlank PSNR of a blank guess (0 everywhere, the mean of normalized inputs) on the same samples: the
 *     level below which a reconstruction tells nothing
 * @param ssimBlank SSIM of that blank guess
 * @param psnrOptimized mean PSNR of the optimization attack ({@code OptimizationInversion}) with the weights the server
 *     tracked from the run's seed, on each client's first step of the first and the last epoch
 * @param ssimOptimized SSIM of those
 * @param psnrBlind mean PSNR of the blind optimization attack (inputs and weights fitted jointly from the previous
 *     epoch's average, or the run-seed weights in the first epoch), on the same steps
 * @param ssimBlind SSIM of those
 */
public record AttackReport(String configuration, double testAccuracy, java.util.List<Double> epochTestAccuracies,
    int samples, double chance, double exactRule,
    double headInversion, double normLeakAuc, double cosineLeakAuc, double cosineAccuracy, double centroidAccuracy,
    double centroidChance, double centroidBalancedAccuracy, double centroidLeakAuc, double clusterPurity,
    double clusterChance,
    double batchSumPurity, double batchSumChance, double lossMatching,
    double histogramError, double psnr, double ssim, double exactInputs, double psnrFromAverage,
    double ssimFromAverage, double psnrBlank, double ssimBlank, double psnrOptimized, double ssimOptimized,
    double psnrBlind, double ssimBlind) {

  public AttackReport {
    epochTestAccuracies = java.util.List.copyOf(epochTestAccuracies);
  }

  /** The best label attack's accuracy (exact rule, cosine, known-label centroids, clustering, batch sums, loss matching). */
  public double bestLabelAccuracy() {
    return max(exactRule, headInversion, cosineAccuracy, centroidAccuracy, clusterPurity, batchSumPurity, lossMatching);
  }

  /**
   * The best label attack's advantage over its own chance level, in accuracy: clustering is measured against the
   * shuffled-label purity of its clusters, the centroid attack against the majority rate of the rows it scores, every
   * other attack against always guessing the most frequent class.
   */
  public double bestLabelAdvantage() {
    return max(exactRule - chance, headInversion - chance, cosineAccuracy - chance,
        centroidAccuracy - centroidChance, clusterPurity - clusterChance,
        batchSumPurity - batchSumChance, lossMatching - chance);
  }

  /** The largest leak AUC (norm, cosine with one known sample, cosine with the known-label centroids). */
  public double bestLeakAuc() {
    return max(normLeakAuc, cosineLeakAuc, centroidLeakAuc);
  }

  /** The strongest reconstruction's PSNR and SSIM. */
  public double bestPsnr() {
    return max(psnr, psnrFromAverage, psnrOptimized, psnrBlind);
  }

  public double bestSsim() {
    return max(ssim, ssimFromAverage, ssimOptimized, ssimBlind);
  }

  private static double max(double... xs) {
    double m = Double.NaN;
    for (double x : xs) {
      if (!Double.isNaN(x) && (Double.isNaN(m) || x > m)) {
        m = x;
      }
    }
    return m;
  }
}
