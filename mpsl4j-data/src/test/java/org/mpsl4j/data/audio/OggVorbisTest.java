package org.mpsl4j.data.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ogg Vorbis through the pure-Java decoder (JOrbis behind vorbisspi): a stereo 44.1 kHz tone, encoded at test time by
 * Debian's {@code oggenc} (vorbis-tools, which {@code .ci/run} installs), comes out mono at 8 kHz with its level and
 * pitch kept. Skipped with a message where oggenc is missing; no audio file is committed.
 */
final class OggVorbisTest {

  @Test
  void readMono_oggVorbisStereo44k_decodedMixedAndResampled(@TempDir Path dir) throws Exception {
    int rate = 44100;
    int n = rate / 2;
    byte[] pcm = new byte[n * 4];
    for (int i = 0; i < n; i++) { // left: 440 Hz at 0.5, right: silence
      int v = (int) Math.round(0.5 * Math.sin(2 * Math.PI * 440 * i / rate) * 32767);
      pcm[4 * i] = (byte) v;
      pcm[4 * i + 1] = (byte) (v >> 8);
    }
    Path wav = dir.resolve("tone.wav");
    AudioSystem.write(new AudioInputStream(new ByteArrayInputStream(pcm), new AudioFormat(rate, 16, 2, true, false), n),
        AudioFileFormat.Type.WAVE, wav.toFile());
    Path ogg = dir.resolve("tone.ogg");
    Assumptions.assumeTrue(encode(wav, ogg), "skipped: oggenc not found (Debian: apt-get install vorbis-tools)");

    float[] mono = AudioDecoder.readMono(ogg, 8000);

    assertThat((double) mono.length).isCloseTo(4000, within(40.0));
    double peak = 0;
    int crossings = 0;
    for (int i = 200; i < 3800; i++) {
      peak = Math.max(peak, Math.abs(mono[i]));
      crossings += (mono[i - 1] < 0) != (mono[i] < 0) ? 1 : 0;
    }
    assertThat(peak).isCloseTo(0.25, within(0.03)); // lossy, but the level survives
    // 440 Hz over 3600 samples at 8 kHz (0.45 s): about 396 sign changes.
    assertThat(crossings).isBetween(388, 404);
  }

  @Test
  void readMono_tenthOfASecondMono8k_decodedWhole(@TempDir Path dir) throws Exception {
    // A short sound effect: the Java Sound wrapper vorbisspi 1.0.3.3 decodes such clips to nothing.
    int n = 800;
    byte[] pcm = new byte[2 * n];
    for (int i = 0; i < n; i++) {
      int v = (int) Math.round(0.5 * Math.sin(2 * Math.PI * 440 * i / 8000.0) * 32767);
      pcm[2 * i] = (byte) v;
      pcm[2 * i + 1] = (byte) (v >> 8);
    }
    Path wav = dir.resolve("click.wav");
    AudioSystem.write(new AudioInputStream(new ByteArrayInputStream(pcm), new AudioFormat(8000, 16, 1, true, false), n),
        AudioFileFormat.Type.WAVE, wav.toFile());
    Path ogg = dir.resolve("click.ogg");
    Assumptions.assumeTrue(encode(wav, ogg), "skipped: oggenc not found (Debian: apt-get install vorbis-tools)");

    float[] mono = AudioDecoder.readMono(ogg, 8000);

    assertThat(mono.length).isBetween(800, 1100); // Vorbis pads to whole blocks
    double peak = 0;
    for (int i = 100; i < 700; i++) {
      peak = Math.max(peak, Math.abs(mono[i]));
    }
    assertThat(peak).isCloseTo(0.5, within(0.05));
  }

  private static boolean encode(Path wav, Path ogg) throws Exception {
    try {
      Process p = new ProcessBuilder("oggenc", "-Q", "-q", "4", "-o", ogg.toString(), wav.toString())
          .redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0 && Files.size(ogg) > 0;
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
