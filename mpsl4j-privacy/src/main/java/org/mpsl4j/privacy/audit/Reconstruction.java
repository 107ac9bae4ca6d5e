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
import org.mpsl4j.privacy.attack.PatchInversion;
import org.mpsl4j.privacy.attack.ReconstructionQuality;
import org.mpsl4j.privacy.attack.TokenizerTracker;
import org.mpsl4j.privacy.capture.ClientTranscript;

/**
 * The input attacks of an audit and their running scores. Per client: a {@link TokenizerTracker} from the run's seed
 * (what the server assumes each client starts from) inverts every step's activations and replays the step; and from
 * the second epoch on, an inversion with the previous epoch's averaged tokenizer, which the server holds whatever
 * the clients' seeds (the fallback when the initial weights are unknown).
 */
final class Reconstruction {
  private final SimulationConfig config;
  private final List<Map<String, float[]>> averages;
  private final boolean enabled;
  private double psnrSum;
  private double blankPsnrSum;
  private double blankSsimSum;
  private double ssimSum;
  private int scored;
  private int ssimScored;
  private int exact;
  private int exactScored;
  private double avgPsnrSum;
  private double avgSsimSum;
  private int avgScored;
  private int avgSsimScored;

  Reconstruction(SimulationConfig config, List<Map<String, float[]>> averages) {
    this.config = config;
    this.averages = averages;
    this.enabled = PrivacyAudit.invertible(config);
  }

  Client client() {
    return new Client();
  }

  double psnr() {
    return scored == 0 ? Double.NaN : psnrSum / scored;
  }

  /** PSNR of a blank guess (0 everywhere: the dataset mean, for normalized inputs) on the same samples. */
  double blankPsnr() {
    return scored == 0 ? Double.NaN : blankPsnrSum / scored;
  }

  double blankSsim() {
    return ssimScored == 0 ? Double.NaN : blankSsimSum / ssimScored;
  }

  double ssim() {
    return ssimScored == 0 ? Double.NaN : ssimSum / ssimScored;
  }

  double exactShare() {
    return exactScored == 0 ? Double.NaN : (double) exact / exactScored;
  }

  double psnrFromAverage() {
    return avgScored == 0 ? Double.NaN : avgPsnrSum / avgScored;
  }

  double ssimFromAverage() {
    return avgSsimScored == 0 ? Double.NaN : avgSsimSum / avgSsimScored;
  }

  /** One client's tracked copy. */
  final class Client implements AutoCloseable {
    private final TokenizerTracker tracker = enabled
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
      List<float[]> recon = tracker.invert(acts, b);
      score(recon, truth, false);
      int epoch = s.begin().getEpoch();
      if (epoch >= 1 && averages.size() >= epoch) {
        score(invertWith(averages.get(epoch - 1), acts, b), truth, true);
      }
      tracker.replay(recon, cuts, b, s.begin().getLearningRate());
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

    private void score(List<float[]> recon, Batch truth, boolean fromAverage) {
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
          if (fromAverage) {
            avgPsnrSum += psnr;
            avgScored++;
            if (!Double.isNaN(ssim)) {
              avgSsimSum += ssim;
              avgSsimScored++;
            }
          } else {
            psnrSum += psnr;
            float[] blank = new float[x.length];
            blankPsnrSum += Math.min(ReconstructionQuality.psnr(x, blank), 100);
            scored++;
            if (!Double.isNaN(ssim)) {
              ssimSum += ssim;
              blankSsimSum += channelSsim(x, blank, spec.inputShape());
              ssimScored++;
            }
            if (spec.kind() == TokenizerKind.IMAGE) {
              exact += withinHalfStep(x, r) ? 1 : 0;
              exactScored++;
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
