package org.mpsl4j.data.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mpsl4j.data.CorruptDataException;

/** Phone-style recordings (stereo, 24-bit, 44.1 kHz) come out mono at the requested rate with their pitch kept. */
final class AudioDecoderTest {

  @Test
  void readMono_stereo24Bit44k_averagedAndResampledTo8k(@TempDir Path dir) throws Exception {
    int rate = 44100;
    int n = rate / 2; // 0.5 s
    // Left: a 440 Hz tone at 0.5; right: silence. The mono mix is the tone at 0.25.
    byte[] pcm = new byte[n * 2 * 3];
    for (int i = 0; i < n; i++) {
      int v = (int) Math.round(0.5 * Math.sin(2 * Math.PI * 440 * i / rate) * 8388607);
      pcm[6 * i] = (byte) v;
      pcm[6 * i + 1] = (byte) (v >> 8);
      pcm[6 * i + 2] = (byte) (v >> 16);
    }
    AudioFormat format = new AudioFormat(rate, 24, 2, true, false);
    Path wav = dir.resolve("phone.wav");
    AudioSystem.write(new AudioInputStream(new ByteArrayInputStream(pcm), format, n), AudioFileFormat.Type.WAVE,
        wav.toFile());

    float[] mono = AudioDecoder.readMono(wav, 8000);

    assertThat((double) mono.length).isCloseTo(4000, within(2.0));
    double peak = 0;
    int crossings = 0;
    for (int i = 100; i < 3900; i++) {
      peak = Math.max(peak, Math.abs(mono[i]));
      crossings += (mono[i - 1] < 0) != (mono[i] < 0) ? 1 : 0;
    }
    assertThat(peak).isCloseTo(0.25, within(0.01));
    // 440 Hz over 3800 samples at 8 kHz (0.475 s): about 418 sign changes.
    assertThat(crossings).isBetween(410, 426);
  }

  @Test
  void readMono_notAudio_rejectedNamingTheFile(@TempDir Path dir) throws Exception {
    Path junk = Files.writeString(dir.resolve("note.m4a"), "ftypM4A not decodable here");

    assertThatThrownBy(() -> AudioDecoder.readMono(junk, 8000)).isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("note.m4a").hasMessageContaining("not an audio file Java Sound can read");
  }
}
