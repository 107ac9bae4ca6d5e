package org.mpsl4j.privacy.attack;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mpsl4j.engine.privacy.ClientPrivacy;
import org.mpsl4j.engine.privacy.PrivacySettings;

/**
 * Li et al.'s norm and direction attacks, scored as the audit scores them (mean one-vs-rest leak AUC; the direction
 * attack's reference is one received row per class), on synthetic gradient rows of well-separated classes sent through
 * one client's defenses over 100 steps: Marvell noise ({@code --marvell-noise P}) brings both AUCs closer to 0.5 than
 * isotropic noise of the same expected power ({@code --grad-noise √P}) does, at P = 4.
 *
 * <p>Not at every power: with three classes, this test's rows gave a cosine AUC of 0.764 (Marvell) against 0.755
 * (isotropic) at P = 1 and 0.577 against 0.588 at P = 16, while the norm AUC was lower at every P tried (0.25 to 16).
 * The KL bound Marvell minimizes is for the best possible attack under its Gaussian model, not for this cosine attack.
 */
final class MarvellNoiseAttackTest {
  private static final int K = 16;
  private static final int BATCH = 32;
  private static final int STEPS = 100;
  private static final double POWER = 4.0;

  /**
   * Classes c with mean row scale[c]·e_c (different norms, so the norm attack works), spread 0.05 per coordinate, drawn
   * with the probabilities share[c].
   */
  private record Rows(double[] scale, double[] share) {
    int classes() {
      return scale.length;
    }

    int draw(Random random) {
      double r = random.nextDouble();
      int c = 0;
      while (c < share.length - 1 && r >= share[c]) {
        r -= share[c];
        c++;
      }
      return c;
    }
  }

  /** The norm AUC and the cosine AUC of the rows the server receives under {@code settings}. */
  private static double[] attack(Rows data, PrivacySettings settings) {
    Random random = new Random(17); // the same rows and labels under every defense
    ClientPrivacy client = new ClientPrivacy(settings.withNoiseSeed(3), data.classes());
    List<float[]> sent = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    try (NDManager m = NDManager.newBaseManager()) {
      for (int step = 0; step < STEPS; step++) {
        float[] g = new float[BATCH * K];
        int[] y = new int[BATCH];
        for (int i = 0; i < BATCH; i++) {
          y[i] = data.draw(random);
          for (int j = 0; j < K; j++) {
            g[i * K + j] = (float) ((j == y[i] ? data.scale()[y[i]] : 0) + 0.05 * random.nextGaussian());
          }
          labels.add(y[i]);
        }
        try (NDManager scope = m.newSubManager()) {
          float[] out = client.outputGradient(scope.create(g, new Shape(BATCH, K)),
              scope.create(y).toType(DataType.INT64, false), scope).toFloatArray();
          for (int i = 0; i < BATCH; i++) {
            sent.add(Arrays.copyOfRange(out, i * K, (i + 1) * K));
          }
        }
      }
    }
    float[][] rows = sent.toArray(new float[0][]);
    int[] y = labels.stream().mapToInt(Integer::intValue).toArray();
    double[] norms = GradientLabelAttacks.norms(rows);
    float[][] refs = GradientLabelAttacks.references(rows, y, data.classes(), 1);
    return new double[] {
        LeakAuc.meanOneVsRest(c -> norms, y, data.classes()),
        LeakAuc.meanOneVsRest(c -> GradientLabelAttacks.cosine(rows, refs[c]), y, data.classes())};
  }

  private static void assertMarvellLeaksLess(Rows data) {
    double[] plain = attack(data, PrivacySettings.NONE);
    double[] isotropic = attack(data, PrivacySettings.NONE.withGradientNoise(Math.sqrt(POWER)));
    double[] marvell = attack(data, PrivacySettings.NONE.withMarvellNoise(POWER));
    System.out.printf("%d classes, P = %s: norm AUC plain %.3f, isotropic %.3f, Marvell %.3f; cosine AUC plain %.3f, "
        + "isotropic %.3f, Marvell %.3f%n", data.classes(), POWER, plain[0], isotropic[0], marvell[0], plain[1],
        isotropic[1], marvell[1]);

    assertThat(plain[0]).as("norm AUC without noise").isGreaterThan(0.85);
    assertThat(plain[1]).as("cosine AUC without noise").isGreaterThan(0.99);
    assertThat(marvell[0]).as("norm AUC under Marvell noise").isLessThan(isotropic[0] - 0.05);
    assertThat(marvell[1]).as("cosine AUC under Marvell noise").isLessThan(isotropic[1] - 0.03);
  }

  @Test
  void threeClasses_marvellNoiseLeaksLessThanIsotropicNoiseOfTheSamePower() {
    assertMarvellLeaksLess(new Rows(new double[] {1.0, 0.6, 0.3}, new double[] {0.5, 0.3, 0.2}));
  }

  @Test
  void twoClasses_marvellNoiseLeaksLessThanIsotropicNoiseOfTheSamePower() {
    // two classes: one problem, Marvell's own two-class noise on the client's running statistics
    assertMarvellLeaksLess(new Rows(new double[] {1.0, 0.5}, new double[] {0.7, 0.3}));
  }
}
