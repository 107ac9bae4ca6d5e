package org.mpsl4j.engine.privacy;

/**
 * The client-side defenses of a run. The head's placement ({@code --head client}) is part of the model settings
 * ({@link org.mpsl4j.model.HeadConfig#onClient()}), since server and clients must agree on it.
 *
 * @param labelEpsilon randomized response on each training label with this ε (label differential privacy, Ghazi et
 *     al. 2021: each label is kept with probability e^ε / (e^ε + C − 1), otherwise replaced by one of the other C − 1
 *     classes uniformly, once per sample for the whole run); {@code +∞} is off
 * @param gradientNoise Gaussian noise on the returned output gradient with a standard deviation of this many times the
 *     batch gradient's RMS entry (the scale of the whole batch, so it reveals no sample's norm); 0 is off
 * @param classNoise Gaussian noise on the returned output gradient confined to the span of the client's class-mean
 *     differences ({@link ClassSubspaceNoise}, Marvell-inspired), with this expected squared norm per row in units of the
 *     batch's mean squared row norm; 0 is off
 * @param equalizeNorms whether each returned gradient row is rescaled to one norm shared by every row of the step (1/B),
 *     after any noise ({@link NormEqualization}), so that row norms carry nothing about labels
 * @param activationNoise Gaussian noise of this standard deviation on every cut-layer activation (the tokens are
 *     LayerNorm outputs of unit scale); 0 is off. No differential-privacy guarantee is claimed: the activations are
 *     not clipped, so their sensitivity is unbounded
 * @param reportLoss whether per-client loss and correct counts are sent; off, the client sends 0 for both
 * @param clientSeed seed of the clients' initial tokenizers (and head), shared among the clients and not with the
 *     server; null draws them from the run's seed, which the server knows
 * @param noiseSeed seed of this client's randomized response, noise and mixing (a client-local secret)
 * @param mixRepresentations samples per mix when the client trains its head and loss on mixes of its batch's
 *     representations against mixed labels ({@link RepresentationMixing}); 1 is off
 * @param logitNoise Gaussian noise on the gradient at the logits, σ × its RMS entry, carried back through the client's
 *     head ({@link MixedLoss}); 0 is off
 * @param zeroSumNoise Gaussian noise on the returned output gradient, σ × the batch's RMS entry, that sums to zero over
 *     the batch ({@link ZeroSumNoise}): rows hidden, the batch's sum exact; added after norm equalization; 0 is off
 */
public record PrivacySettings(double labelEpsilon, double gradientNoise, double classNoise, boolean equalizeNorms,
    double activationNoise, boolean reportLoss, Long clientSeed, long noiseSeed, int mixRepresentations,
    double logitNoise, double zeroSumNoise, double marvellNoise) {

  /** No defense: what the protocol does by itself. */
  public static final PrivacySettings NONE =
      new PrivacySettings(Double.POSITIVE_INFINITY, 0, 0, false, 0, true, null, 0, 1, 0, 0, 0);

  public PrivacySettings {
    if (!(labelEpsilon > 0)) {
      throw new IllegalArgumentException("label ε must be > 0 (or +∞ for off) but was " + labelEpsilon
          + " (use --label-epsilon)");
    }
    if (!(gradientNoise >= 0) || !(classNoise >= 0) || !(activationNoise >= 0) || !(logitNoise >= 0)
        || !(zeroSumNoise >= 0) || !(marvellNoise >= 0) || Double.isInfinite(marvellNoise)) {
      throw new IllegalArgumentException("noise scales must be >= 0 (and finite for --marvell-noise) but were "
          + gradientNoise + " (--grad-noise), " + classNoise + " (--class-noise), " + activationNoise + " (--activation-noise), " + logitNoise
          + " (--logit-noise), " + zeroSumNoise + " (--zero-sum-noise) and " + marvellNoise + " (--marvell-noise)");
    }
    if (mixRepresentations < 1) {
      throw new IllegalArgumentException("samples per mix must be >= 1 (1 = off) but was " + mixRepresentations
          + " (use --mix-representations)");
    }
  }

  public boolean any() {
    return !equals(NONE.withNoiseSeed(noiseSeed));
  }

  public PrivacySettings withNoiseSeed(long seed) {
    return new PrivacySettings(labelEpsilon, gradientNoise, classNoise, equalizeNorms, activationNoise, reportLoss,
        clientSeed, seed, mixRepresentations, logitNoise, zeroSumNoise, marvellNoise);
  }

  /**
   * These settings for one client of a run whose noise seed is {@link #noiseSeed()}: each client its own stream, drawn
   * from the run's seed and its id, so that a simulated or audited run repeats from its seed. A deployed client draws
   * its seed from a secure source instead (the server knows the run's seed).
   */
  public PrivacySettings forClient(String clientId) {
    return withNoiseSeed(noiseSeed * 31 + clientId.hashCode());
  }

  public PrivacySettings withLabelEpsilon(double epsilon) {
    return new PrivacySettings(epsilon, gradientNoise, classNoise, equalizeNorms, activationNoise, reportLoss,
        clientSeed, noiseSeed, mixRepresentations, logitNoise, zeroSumNoise, marvellNoise);
  }

  public PrivacySettings withGradientNoise(double sigma) {
    return new PrivacySettings(labelEpsilon, sigma, classNoise, equalizeNorms, activationNoise, reportLoss, clientSeed,
        noiseSeed, mixRepresentations, logitNoise, zeroSumNoise, marvellNoise);
  }

  public PrivacySettings withClassNoise(double power) {
    return new PrivacySettings(labelEpsilon, gradientNoise, power, equalizeNorms, activationNoise, reportLoss,
        clientSeed, noiseSeed, mixRepresentations, logitNoise, zeroSumNoise, marvellNoise);
  }

  public PrivacySettings withEqualizedNorms(boolean on) {
    return new PrivacySettings(labelEpsilon, gradientNoise, classNoise, on, activationNoise, reportLoss, clientSeed,
        noiseSeed, mixRepresentations, logitNoise, zeroSumNoise, marvellNoise);
  }

  public PrivacySettings withActivationNoise(double sigma) {
    return new PrivacySettings(labelEpsilon, gradientNoise, classNoise, equalizeNorms, sigma, reportLoss, clientSeed,
        noiseSeed, mixRepresentations, logitNoise, zeroSumNoise, marvellNoise);
  }

  public PrivacySettings withReportLoss(boolean on) {
    return new PrivacySettings(labelEpsilon, gradientNoise, classNoise, equalizeNorms, activationNoise, on, clientSeed,
        noiseSeed, mixRepresentations, logitNoise, zeroSumNoise, marvellNoise);
  }

  public PrivacySettings withClientSeed(Long seed) {
    return new PrivacySettings(labelEpsilon, gradientNoise, classNoise, equalizeNorms, activationNoise, reportLoss, seed,
        noiseSeed, mixRepresentations, logitNoise, zeroSumNoise, marvellNoise);
  }

  public PrivacySettings withMixing(int samplesPerMix) {
    return new PrivacySettings(labelEpsilon, gradientNoise, classNoise, equalizeNorms, activationNoise, reportLoss,
        clientSeed, noiseSeed, samplesPerMix, logitNoise, zeroSumNoise, marvellNoise);
  }

  public PrivacySettings withZeroSumNoise(double sigma) {
    return new PrivacySettings(labelEpsilon, gradientNoise, classNoise, equalizeNorms, activationNoise, reportLoss,
        clientSeed, noiseSeed, mixRepresentations, logitNoise, sigma, marvellNoise);
  }

  public PrivacySettings withMarvellNoise(double power) {
    return new PrivacySettings(labelEpsilon, gradientNoise, classNoise, equalizeNorms, activationNoise, reportLoss,
        clientSeed, noiseSeed, mixRepresentations, logitNoise, zeroSumNoise, power);
  }

  public PrivacySettings withLogitNoise(double sigma) {
    return new PrivacySettings(labelEpsilon, gradientNoise, classNoise, equalizeNorms, activationNoise, reportLoss,
        clientSeed, noiseSeed, mixRepresentations, sigma, zeroSumNoise, marvellNoise);
  }
}
