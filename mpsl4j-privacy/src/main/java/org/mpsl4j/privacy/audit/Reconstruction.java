package org.mpsl4j.privacy.audit;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.mpsl4j.data.Batch;
import org.mpsl4j.engine.sim.SimulationConfig;
import org.mpsl4j.model.TokenizerKind;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.privacy.attack.OptimizationInversion;
import org.mpsl4j.privacy.attack.PatchInversion;
import org.mpsl4j.privacy.attack.ReconstructionQuality;
import org.mpsl4j.privacy.attack.TokenizerTracker;
import org.mpsl4j.privacy.capture.ClientTranscript;

/**
 * The input attacks of an audit and their running scores. Per client: a {@link TokenizerTracker} from the run's seed
 * (what the server assumes each client starts from) inverts every step's activations by least squares and replays
 * the step; from the second epoch on, a least-squares inversion with the previous epoch's averaged tokenizer, which
 * the server holds whatever the clients' seeds. Least squares needs the cut right after the tokenizers. On a sample of
 * steps (each client's first step of the first and of the last epoch) two {@link OptimizationInversion}s run as well:
 * with the tracked weights as they are ("known W": exact at a client's first step when the server knows the seed,
 * below a deeper cut too), and blind, fitting the weights jointly from the server's best guess (the previous epoch's
 * average, or in the first epoch the run-seed weights).
 */
final class Reconstruction {
  private final SimulationConfig config;
  private final List<Map<String, float[]>> averages;
  private final boolean enabled;
  private final boolean optimizable;
  private final float low;
  private final float high;
  private final Scores optimized = new Scores();
  private final Scores blind = new Scores();
  private final Scores fromAverage = new Scores();
  private final Scores tracked = new Scores();
  private final Scores blankGuess = new Scores();
  private final Mean exact = new Mean();

  /** @param low smallest and {@code high} largest input value of public data of the same kind (the server's test set) */
  Reconstruction(SimulationConfig config, List<Map<String, float[]>> averages, float low, float high) {
    this.config = config;
    this.averages = averages;
    this.optimizable = PrivacyAudit.invertible(config);
    this.enabled = optimizable && config.model().clientBlocks() == 0;
    this.low = low;
    this.high = high;
  }

  /** Adam steps of each optimization attack: enough to converge on the small test model (OptimizationInversionTest). */
  static final int OPT_ITERATIONS = 200;

  double psnrOptimized() {
    return optimized.psnr.value();
  }

  double ssimOptimized() {
    return optimized.ssim.value();
  }

  double psnrBlind() {
    return blind.psnr.value();
  }

  double ssimBlind() {
    return blind.ssim.value();
  }

  Client client() {
    return new Client();
  }

  double psnr() {
    return tracked.psnr.value();
  }

  /** PSNR of a blank guess (0 everywhere: the dataset mean, for normalized inputs) on the same samples. */
  double blankPsnr() {
    return blankGuess.psnr.value();
  }

  double blankSsim() {
    return blankGuess.ssim.value();
  }

  double ssim() {
    return tracked.ssim.value();
  }

  double exactShare() {
    return exact.value();
  }

  double psnrFromAverage() {
    return fromAverage.psnr.value();
  }

  double ssimFromAverage() {
    return fromAverage.ssim.value();
  }

  /** One client's tracked copy. */
  final class Client implements AutoCloseable {
    private final TokenizerTracker tracker = optimizable
        ? new TokenizerTracker(config.model(), config.seed(), config.learningRate()) : null;

    void step(ClientTranscript.Step s, Batch truth, NDManager scope) {
      if (tracker == null) {
        return;
      }
      int b = truth.size();
      List<float[]> acts = new ArrayList<>();
      List<float[]> cuts = new ArrayList<>();
      for (int i = 0; i < s.activations().getInputsCount(); i++) {
        acts.add(Wire.values(s.activations().getInputs(i).getValues(), scope));
        cuts.add(Wire.values(s.cutGrad().getGrads(i), scope));
      }
      if (s.globalBefore() != null) {
        // One shared tokenizer: the server sent these weights itself, so it needs no tracking to know them.
        tracker.load(weights(s.globalBefore(), scope));
      }
      int epoch = s.begin().getEpoch();
      if (s.begin().getStepInEpoch() == 0 && (epoch == 0 || epoch == config.epochs() - 1)) {
        optimize(acts, truth, epoch);
      }
      if (!enabled) {
        return;
      }
      List<float[]> recon = tracker.invert(acts, b);
      score(recon, truth, Kind.TRACKED);
      if (epoch >= 1 && averages.size() >= epoch) {
        score(invertWith(averages.get(epoch - 1), acts, b), truth, Kind.AVERAGE);
      }
      tracker.replay(recon, cuts, b, s.begin().getLearningRate());
    }

    private static Map<String, float[]> weights(org.mpsl4j.protocol.v1.TokenizerWeights w, NDManager scope) {
      Map<String, float[]> out = new java.util.HashMap<>();
      // tables sent by rows (text tables under --shared-tables rows) are left out: only an image tokenizer is inverted
      w.getParametersList().stream().filter(t -> !t.hasRows())
          .forEach(t -> out.put(t.getName(), Wire.values(t.getTensor(), scope)));
      return out;
    }

    /** The two optimization attacks on one step: with the tracked weights, and blind from the best guess. */
    private void optimize(List<float[]> acts, Batch truth, int epoch) {
      int b = truth.size();
      score(new OptimizationInversion(OPT_ITERATIONS, 0.05f, 0.01f, false, low, high).invert(tracker.model(), acts, b),
          truth, Kind.OPTIMIZED);
      try (TokenizerTracker guess = new TokenizerTracker(config.model(), config.seed(), config.learningRate())) {
        guess.load(epoch >= 1 && averages.size() >= epoch ? averages.get(epoch - 1) : tracker.parameters());
        score(new OptimizationInversion(OPT_ITERATIONS, 0.05f, 0.01f, true, low, high).invert(guess.model(), acts, b),
            truth, Kind.BLIND);
      }
    }

    private List<float[]> invertWith(Map<String, float[]> weights, List<float[]> acts, int b) {
      List<float[]> out = new ArrayList<>();
      for (int i = 0; i < config.model().tokenizers().size(); i++) {
        TokenizerSpec spec = config.model().tokenizers().get(i);
        Map<String, float[]> params = new HashMap<>();
        String prefix = spec.input() + ".";
        weights.forEach((name, v) -> {
          if (name.startsWith(prefix)) {
            params.put(name.substring(prefix.length()), v);
          }
        });
        out.add(new PatchInversion(spec, config.model().encoder().width(), params).invert(acts.get(i), b));
      }
      return out;
    }

    private void score(List<float[]> recon, Batch truth, Kind kind) {
      int b = truth.size();
      for (int i = 0; i < config.model().tokenizers().size(); i++) {
        TokenizerSpec spec = config.model().tokenizers().get(i);
        float[] real = truth.input(spec.input()).floats();
        int size = real.length / b;
        for (int n = 0; n < b; n++) {
          float[] x = java.util.Arrays.copyOfRange(real, n * size, (n + 1) * size);
          float[] r = java.util.Arrays.copyOfRange(recon.get(i), n * size, (n + 1) * size);
          double psnr = Math.min(ReconstructionQuality.psnr(x, r), 100); // an exact copy counts as 100 dB
          double ssim = Double.NaN;
          if (spec.kind() != TokenizerKind.SENSOR) {
            ssim = channelSsim(x, r, spec.inputShape());
          }
          switch (kind) {
            case OPTIMIZED -> optimized.add(psnr, ssim);
            case BLIND -> blind.add(psnr, ssim);
            case AVERAGE -> fromAverage.add(psnr, ssim);
            case TRACKED -> {
              tracked.add(psnr, ssim);
              float[] blank = new float[x.length];
              blankGuess.add(Math.min(ReconstructionQuality.psnr(x, blank), 100),
                  Double.isNaN(ssim) ? Double.NaN : channelSsim(x, blank, spec.inputShape()));
              if (spec.kind() == TokenizerKind.IMAGE) {
                exact.add(withinHalfStep(x, r) ? 1 : 0);
              }
            }
          }
        }
      }
    }

    @Override
    public void close() {
      if (tracker != null) {
        tracker.close();
      }
    }
  }

  /** Which attack a reconstruction came from. */
  private enum Kind { TRACKED, AVERAGE, OPTIMIZED, BLIND }

  /** A running mean; NaN before the first value. */
  private static final class Mean {
    private double sum;
    private int count;

    void add(double value) {
      sum += value;
      count++;
    }

    double value() {
      return count == 0 ? Double.NaN : sum / count;
    }
  }

  /** PSNR and, where it applies (not for 1-D sensor windows: NaN), SSIM of one attack's reconstructions. */
  private static final class Scores {
    final Mean psnr = new Mean();
    final Mean ssim = new Mean();

    void add(double psnrValue, double ssimValue) {
      psnr.add(psnrValue);
      if (!Double.isNaN(ssimValue)) {
        ssim.add(ssimValue);
      }
    }
  }

  private static double channelSsim(float[] x, float[] r, int[] shape) {
    int c = shape[0];
    int plane = shape[1] * shape[2];
    double sum = 0;
    for (int k = 0; k < c; k++) {
      sum += ReconstructionQuality.ssim(java.util.Arrays.copyOfRange(x, k * plane, (k + 1) * plane),
          java.util.Arrays.copyOfRange(r, k * plane, (k + 1) * plane), shape[1], shape[2]);
    }
    return sum / c;
  }

  /** Every value within half an 8-bit step (range / 255 / 2) of the original: exact after rounding to bytes. */
  private static boolean withinHalfStep(float[] x, float[] r) {
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (float v : x) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    double half = (max - min) / 255.0 / 2;
    for (int i = 0; i < x.length; i++) {
      if (Math.abs(x[i] - r[i]) >= half) {
        return false;
      }
    }
    return true;
  }
}
