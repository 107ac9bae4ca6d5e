package org.mpsl4j.engine.privacy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * One client's defenses at the points where its messages are made: labels before the loss, activations before they
 * are encoded, the output gradient before it is sent, loss and correct counts. Randomized response is seeded by the
 * client's {@link PrivacySettings#noiseSeed()}, and so is the Gaussian noise (its own generator, {@link SeededGaussian}), so
 * a defended run repeats from its seeds. One instance per client: the class-subspace and Marvell noises keep that
 * client's running class statistics.
 */
public final class ClientPrivacy implements org.mpsl4j.core.step.ClientDefenses {
  /** No defense. */
  public static final ClientPrivacy NONE = new ClientPrivacy(PrivacySettings.NONE, 2);

  private final PrivacySettings settings;
  private final RandomizedResponse labels;
  private final ClassSubspaceNoise classNoise;
  private final MarvellNoise marvellNoise;
  private final SeededGaussian gaussian;

  public ClientPrivacy(PrivacySettings settings, int classes) {
    this.settings = settings;
    this.labels = Double.isInfinite(settings.labelEpsilon()) ? null
        : new RandomizedResponse(settings.labelEpsilon(), classes, settings.noiseSeed());
    // Another stream than randomized response's (which draws from the seed itself, per sample).
    this.gaussian = new SeededGaussian(settings.noiseSeed() ^ 0x5DEECE66DL);
    this.classNoise = settings.classNoise() == 0 ? null
        : new ClassSubspaceNoise(settings.classNoise(), classes, gaussian);
    this.marvellNoise = settings.marvellNoise() == 0 ? null
        : new MarvellNoise(settings.marvellNoise(), classes, gaussian);
  }

  public PrivacySettings settings() {
    return settings;
  }

  /** The labels the loss is computed with: the true ones, or their randomized responses (by sample index). */
  @Override
  public int[] trainingLabels(int[] sampleIndices, int[] trueLabels) {
    if (labels == null) {
      return trueLabels;
    }
    int[] out = new int[trueLabels.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = labels.answer(sampleIndices[i], trueLabels[i]);
    }
    return out;
  }

  /** What is sent in place of the cut-layer activations {@code a}. */
  @Override
  public NDArray activations(NDArray a, NDManager scope) {
    if (settings.activationNoise() == 0) {
      return a;
    }
    return a.add(gaussian.draw(a.getShape(), (float) settings.activationNoise(), scope));
  }

  /**
   * What is sent in place of the output gradient {@code g}: isotropic noise, then class-subspace noise, then Marvell
   * noise, each scaled from the true gradient, then the rows' norms equalized, so that no noise draw shows in a row's norm; zero-sum noise
   * last, so that the batch's rows still sum exactly to the (equalized) gradient's sum.
   */
  @Override
  public NDArray outputGradient(NDArray g, NDArray labels, NDManager scope) {
    NDArray out = g;
    if (settings.gradientNoise() != 0) {
      float rms = g.square().mean().sqrt().getFloat();
      out = out.add(gaussian.draw(g.getShape(), (float) settings.gradientNoise() * rms, scope));
    }
    if (classNoise != null) {
      out = out.add(classNoise.draw(g, labels, scope));
    }
    if (marvellNoise != null) {
      out = out.add(marvellNoise.draw(g, labels, scope));
    }
    out = settings.equalizeNorms() ? NormEqualization.apply(out) : out;
    return settings.zeroSumNoise() == 0 ? out : out.add(ZeroSumNoise.draw(out, settings.zeroSumNoise(), gaussian, scope));
  }

  /**
   * With mixing or logit noise, a {@link MixedLoss} through the client's head (or on the logits, when the server runs
   * the head); otherwise the plain loss.
   */
  @Override
  public org.mpsl4j.core.step.OutputLoss loss(org.mpsl4j.core.step.OutputLoss plain, org.mpsl4j.model.ClientModel model) {
    if (settings.mixRepresentations() == 1 && settings.logitNoise() == 0) {
      return plain;
    }
    if (org.mpsl4j.model.train.Objective.of(model.config().head()) != org.mpsl4j.model.train.Objective.CLASSIFICATION) {
      throw new IllegalArgumentException("--mix-representations and --logit-noise need a classification head, not "
          + model.config().head());
    }
    RepresentationMixing mixing = settings.mixRepresentations() == 1 ? null
        : new RepresentationMixing(settings.mixRepresentations(), settings.noiseSeed() ^ 0x2545F4914F6CDD1DL);
    return new MixedLoss(model::outputs, mixing, settings.logitNoise(), gaussian);
  }

  @Override
  public boolean reportsLoss() {
    return settings.reportLoss();
  }

  /** Whether large tables may go by changed rows: only when the server knows the initial rows (the run's seed). */
  public boolean sparseUploads() {
    return settings.clientSeed() == null;
  }
}
