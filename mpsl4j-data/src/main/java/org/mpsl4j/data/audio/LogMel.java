package org.mpsl4j.data.audio;

import java.util.Arrays;
import org.jtransforms.fft.FloatFFT_1D;

/**
 * Log-mel filterbank features of a waveform: what the audio tokenizer patches, like an image of frequency by time.
 *
 * <p>Settings (for 8 kHz speech such as FSDD): frames of 25 ms (200 samples) with a Hann window, zero-padded to a
 * 256-point FFT (JTransforms), hop 10 ms (80 samples), no centering; power spectrum through {@code melBins}
 * triangular filters spaced evenly on the HTK mel scale ({@code 2595 log10(1 + f / 700)}) from 0 Hz to the Nyquist
 * frequency (4 kHz); natural log of the filter energies plus 1e-6. The clip is cut, or padded with silence at the end,
 * to exactly {@code frames} frames (100 frames = 1.015 s of audio; 97% of FSDD clips are shorter than 0.75 s).
 * Other rates (manifest datasets) keep the 25 ms / 10 ms timing in their own samples. Thread-safe after construction.
 */
public final class LogMel {

  /** Sample rate the settings are made for. */
  public static final int SAMPLE_RATE = 8000;
  /** Analysis window: 25 ms. */
  public static final int WINDOW = 200;
  /** Hop between frames: 10 ms. */
  public static final int HOP = 80;
  /** FFT length (the window zero-padded). */
  public static final int FFT = 256;
  /** Added to filter energies before the log, so silence maps to ln(1e-6) = -13.8 instead of minus infinity. */
  public static final float FLOOR = 1e-6f;

  private final int sampleRate;
  private final int windowLength;
  private final int hop;
  private final int fftLength;
  private final int melBins;
  private final int frames;
  private final float[] window;
  private final float[][] filters;
  private final ThreadLocal<FloatFFT_1D> fft;

  /** A transform of 8 kHz audio to {@code melBins x frames} features, with the settings above. */
  public LogMel(int melBins, int frames) {
    this(SAMPLE_RATE, melBins, frames);
  }

  /**
   * A transform of audio at {@code sampleRate} Hz: the same 25 ms window and 10 ms hop in samples of that rate, an FFT
   * of the next power of two, and mel filters up to that rate's Nyquist frequency (at 8 kHz this is exactly the
   * two-argument transform).
   */
  public LogMel(int sampleRate, int melBins, int frames) {
    if (sampleRate < 1000) {
      throw new IllegalArgumentException("sampleRate must be >= 1000 Hz but was " + sampleRate);
    }
    this.sampleRate = sampleRate;
    this.windowLength = Math.round(sampleRate * 0.025f);
    this.hop = Math.round(sampleRate * 0.010f);
    this.fftLength = Integer.highestOneBit(windowLength - 1) << 1;
    if (melBins < 1 || melBins > fftLength / 2) {
      throw new IllegalArgumentException("melBins must be in 1.." + fftLength / 2 + " at " + sampleRate + " Hz but was "
          + melBins);
    }
    if (frames < 1) {
      throw new IllegalArgumentException("frames must be >= 1 but was " + frames);
    }
    this.melBins = melBins;
    this.frames = frames;
    this.window = new float[windowLength];
    for (int i = 0; i < windowLength; i++) {
      window[i] = (float) (0.5 - 0.5 * Math.cos(2 * Math.PI * i / windowLength)); // periodic Hann
    }
    this.filters = melFilters(sampleRate, fftLength, melBins);
    int n = fftLength;
    this.fft = ThreadLocal.withInitial(() -> new FloatFFT_1D(n));
  }

  /** The sample rate the transform expects, in Hz. */
  public int sampleRate() {
    return sampleRate;
  }

  /** Number of waveform samples that fill exactly {@code frames} frames. */
  public int samplesNeeded() {
    return windowLength + hop * (frames - 1);
  }

  /** The features of a waveform as a row-major {@code [melBins, frames]} array. */
  public float[] apply(float[] samples) {
    float[] out = new float[melBins * frames];
    float[] buf = new float[fftLength];
    float[] power = new float[fftLength / 2 + 1];
    FloatFFT_1D transform = fft.get();
    for (int t = 0; t < frames; t++) {
      Arrays.fill(buf, 0f);
      int start = t * hop;
      for (int i = 0; i < windowLength && start + i < samples.length; i++) {
        buf[i] = samples[start + i] * window[i];
      }
      transform.realForward(buf);
      // JTransforms packs: buf[0] = Re(0), buf[1] = Re(N/2), buf[2k] = Re(k), buf[2k+1] = Im(k).
      power[0] = buf[0] * buf[0];
      power[fftLength / 2] = buf[1] * buf[1];
      for (int k = 1; k < fftLength / 2; k++) {
        power[k] = buf[2 * k] * buf[2 * k] + buf[2 * k + 1] * buf[2 * k + 1];
      }
      for (int m = 0; m < melBins; m++) {
        float e = 0;
        float[] filter = filters[m];
        for (int k = 0; k < power.length; k++) {
          e += filter[k] * power[k];
        }
        out[m * frames + t] = (float) Math.log(e + FLOOR);
      }
    }
    return out;
  }

  private static float[][] melFilters(int sampleRate, int fftLength, int melBins) {
    int bins = fftLength / 2 + 1;
    double maxMel = hzToMel(sampleRate / 2.0);
    double[] edges = new double[melBins + 2];
    for (int i = 0; i < edges.length; i++) {
      edges[i] = melToHz(maxMel * i / (melBins + 1));
    }
    float[][] filters = new float[melBins][bins];
    for (int m = 0; m < melBins; m++) {
      double lo = edges[m];
      double mid = edges[m + 1];
      double hi = edges[m + 2];
      for (int k = 0; k < bins; k++) {
        double f = k * (double) sampleRate / fftLength;
        double w = f <= mid ? (f - lo) / (mid - lo) : (hi - f) / (hi - mid);
        filters[m][k] = (float) Math.max(0, w);
      }
    }
    return filters;
  }

  static double hzToMel(double hz) {
    return 2595 * Math.log10(1 + hz / 700);
  }

  static double melToHz(double mel) {
    return 700 * (Math.pow(10, mel / 2595) - 1);
  }
}
