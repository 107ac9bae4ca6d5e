package org.mpsl4j.data.audio;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The log-mel transform puts a tone's energy at the mel bin of its frequency and pads silence at the floor. */
final class LogMelTest {

  private static float[] tone(double hz, int samples) {
    float[] x = new float[samples];
    for (int i = 0; i < samples; i++) {
      x[i] = (float) (0.5 * Math.sin(2 * Math.PI * hz * i / LogMel.SAMPLE_RATE));
    }
    return x;
  }

  private static int argmaxBin(float[] features, int melBins, int frames, int frame) {
    int best = 0;
    for (int m = 1; m < melBins; m++) {
      if (features[m * frames + frame] > features[best * frames + frame]) {
        best = m;
      }
    }
    return best;
  }

  @Test
  void apply_tone_peaksAtItsMelBin() {
    LogMel logMel = new LogMel(40, 20);
    float[] low = logMel.apply(tone(300, logMel.samplesNeeded()));
    float[] high = logMel.apply(tone(2500, logMel.samplesNeeded()));

    // Mel edges are evenly spaced on the HTK scale between 0 and 4 kHz: bin centre m is at mel (m+1) * max / 41.
    double maxMel = LogMel.hzToMel(4000);
    int expectedLow = (int) Math.round(LogMel.hzToMel(300) / (maxMel / 41)) - 1;
    int expectedHigh = (int) Math.round(LogMel.hzToMel(2500) / (maxMel / 41)) - 1;
    assertThat(argmaxBin(low, 40, 20, 5)).isBetween(expectedLow - 1, expectedLow + 1);
    assertThat(argmaxBin(high, 40, 20, 5)).isBetween(expectedHigh - 1, expectedHigh + 1);
  }

  @Test
  void apply_shortClip_paddedWithSilenceAtTheFloor() {
    LogMel logMel = new LogMel(40, 100);
    float[] f = logMel.apply(tone(1000, 800)); // 0.1 s: frames from 10 on are silence

    assertThat(f[0 * 100 + 60]).isEqualTo((float) Math.log(LogMel.FLOOR));
    assertThat(f[20 * 100 + 2]).isGreaterThan((float) Math.log(LogMel.FLOOR) + 5);
  }
}
