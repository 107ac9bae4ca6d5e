package org.mpsl4j.cli;

import org.mpsl4j.engine.mpsl.MpslClient;
import org.mpsl4j.engine.privacy.ClientPrivacy;
import org.mpsl4j.engine.privacy.PrivacySettings;
import picocli.CommandLine.Option;

/** The clients' defenses (docs/PRIVACY.md), for {@code simulate}, {@code client} and {@code privacy}. */
final class PrivacyOptions {
  @Option(names = "--label-epsilon", defaultValue = "Infinity",
      description = "Randomized response on training labels at this ε (label DP); Infinity = off (default: ${DEFAULT-VALUE}).")
  double labelEpsilon;

  @Option(names = "--grad-noise", defaultValue = "0",
      description = "Gaussian noise on returned output gradients, std in units of the batch gradient's RMS entry; 0 = off "
          + "(default: ${DEFAULT-VALUE}).")
  double gradientNoise;

  @Option(names = "--class-noise", defaultValue = "0",
      description = "Gaussian noise on returned output gradients confined to the span of the client's class-mean "
          + "differences (Marvell-inspired, not Marvell's optimized covariance), expected squared norm per row in units "
          + "of the batch's mean squared row norm; 0 = off (default: ${DEFAULT-VALUE}).")
  double classNoise;

  @Option(names = "--marvell-noise", defaultValue = "0",
      description = "Marvell's optimized Gaussian noise on returned output gradients (Li et al. 2022), one class against "
          + "the rest: covariances that minimize a bound on the norm and direction attacks' leak, from the client's "
          + "running class statistics; expected squared norm per row in units of the batch's mean squared row norm; "
          + "0 = off (default: ${DEFAULT-VALUE}).")
  double marvellNoise;

  @Option(names = "--equalize-norms",
      description = "Rescale every returned output-gradient row to one norm shared by all rows of the step (1/B, after "
          + "any noise), so that row norms carry nothing about labels.")
  boolean equalizeNorms;

  @Option(names = "--activation-noise", defaultValue = "0",
      description = "Gaussian noise std on the cut-layer activations (no DP claimed); 0 = off (default: ${DEFAULT-VALUE}).")
  double activationNoise;

  @Option(names = "--loss-report", defaultValue = "on",
      description = "Whether clients send per-client loss and correct counts: on or off (default: ${DEFAULT-VALUE}).")
  String lossReport;

  @Option(names = "--client-seed",
      description = "Seed of the clients' initial tokenizers (and head), shared among the clients only, so the server "
          + "cannot know their weights (default: the run's --seed, which the server knows).")
  Long clientSeed;

  @Option(names = "--mix-representations", defaultValue = "1",
      description = "Train the client's head and loss on mixes of K samples of its batch (their representations, or "
          + "logits with the head on the server) against the mixed labels, so each returned gradient row carries "
          + "several samples' labels; 1 = off (default: ${DEFAULT-VALUE}).")
  int mixRepresentations;

  @Option(names = "--logit-noise", defaultValue = "0",
      description = "Gaussian noise on the gradient at the logits, std in units of its RMS entry, carried back through "
          + "the client's head (noise only in the directions the head can reach); 0 = off (default: ${DEFAULT-VALUE}).")
  double logitNoise;

  @Option(names = "--zero-sum-noise", defaultValue = "0",
      description = "Gaussian noise on returned output gradients, std in units of the batch gradient's RMS entry, that "
          + "sums to zero over the client's batch (rows hidden, the batch's sum exact; added after --equalize-norms); "
          + "0 = off (default: ${DEFAULT-VALUE}).")
  double zeroSumNoise;

  PrivacySettings settings() {
    if (!lossReport.equals("on") && !lossReport.equals("off")) {
      throw new IllegalArgumentException("--loss-report must be on or off but was '" + lossReport + "'");
    }
    return new PrivacySettings(labelEpsilon, gradientNoise, classNoise, equalizeNorms, activationNoise,
        lossReport.equals("on"), clientSeed, 0, mixRepresentations, logitNoise, zeroSumNoise, marvellNoise);
  }

  /**
   * {@code client} of a deployment with these defenses; its own noise seed comes from the secure random source (the
   * server knows the run's seed).
   */
  static MpslClient apply(PrivacySettings settings, MpslClient client, int classes) {
    if (!settings.any()) {
      return client;
    }
    long noiseSeed = new java.security.SecureRandom().nextLong();
    return client.withPrivacy(new ClientPrivacy(settings.withNoiseSeed(noiseSeed), classes));
  }

  /**
   * {@code client} of a simulation with these defenses, its noise seeded from the run's {@code seed} and its id as in
   * the privacy audit ({@link PrivacySettings#forClient}), so that a defended {@code simulate} run repeats and matches
   * the audit's run of the same settings.
   */
  static MpslClient applySeeded(PrivacySettings settings, long seed, MpslClient client, int classes) {
    if (!settings.any()) {
      return client;
    }
    return client.withPrivacy(new ClientPrivacy(settings.withNoiseSeed(seed).forClient(client.clientId()), classes));
  }
}
