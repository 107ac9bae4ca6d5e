package org.mpsl4j.data.audio;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.UnsupportedAudioFileException;
import org.mpsl4j.data.CorruptDataException;

/**
 * Reads an audio file of any format Java Sound can decode into mono samples in [-1, 1) at a requested rate: WAV, AIFF
 * and AU through the JDK, FLAC through the jflac service provider and Ogg Vorbis through
 * {@link OggVorbisFile} (JOrbis). Other encodings (8/24/32-bit,
 * float, A-law) are converted to 16-bit PCM, other rates are resampled, both by Java Sound's own converters, and
 * channels are averaged. For the strict FSDD reading (mono 16-bit at exactly 8 kHz) see {@link WavFile}.
 */
public final class AudioDecoder {

  private AudioDecoder() {
  }

  /**
   * The samples of an audio file, mono, at {@code rate} Hz.
   *
   * @throws CorruptDataException naming the file if it is not a readable audio file or holds no samples
   */
  public static float[] readMono(Path file, int rate) {
    if (OggVorbisFile.isOgg(file)) {
      return oggMono(file, rate);
    }
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file));
        AudioInputStream source = AudioSystem.getAudioInputStream(raw)) {
      AudioFormat f = source.getFormat();
      int channels = f.getChannels();
      float sourceRate = f.getSampleRate();
      AudioInputStream pcm = convert(file, source, new AudioFormat(sourceRate, 16, channels, true, false));
      return mono(file, pcm, channels, sourceRate, rate);
    } catch (UnsupportedAudioFileException e) {
      throw new CorruptDataException(file, "not an audio file Java Sound can read (WAV, AIFF, AU, FLAC or Ogg Vorbis"
          + " expected: " + e.getMessage() + ")", e);
    } catch (IOException e) {
      throw new CorruptDataException(file, "cannot be read: " + e.getMessage(), e);
    }
  }

  /** Ogg Vorbis, decoded by {@link OggVorbisFile} and resampled by Java Sound like the other formats. */
  private static float[] oggMono(Path file, int rate) {
    OggVorbisFile.Decoded d = OggVorbisFile.read(file);
    byte[] pcm = new byte[2 * d.samples().length];
    ByteBuffer out = ByteBuffer.wrap(pcm).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : d.samples()) {
      out.putShort((short) Math.max(-32768, Math.min(32767, Math.round(v * 32767))));
    }
    AudioFormat format = new AudioFormat(d.rate(), 16, 1, true, false);
    try (AudioInputStream in = new AudioInputStream(new java.io.ByteArrayInputStream(pcm), format,
        d.samples().length)) {
      return mono(file, in, 1, d.rate(), rate);
    } catch (IOException e) {
      throw new CorruptDataException(file, "cannot be read: " + e.getMessage(), e);
    }
  }

  /** 16-bit little-endian PCM of {@code channels} at {@code sourceRate}, resampled to {@code rate}, channels averaged. */
  private static float[] mono(Path file, AudioInputStream pcm, int channels, float sourceRate, int rate)
      throws IOException {
    if (Math.round(sourceRate) != rate) {
      pcm = convert(file, pcm, new AudioFormat(rate, 16, channels, true, false));
    }
    byte[] bytes = readAll(pcm);
    int frames = bytes.length / (2 * channels);
    if (frames < 1) {
      throw new CorruptDataException(file, "holds no audio samples");
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    float[] samples = new float[frames];
    for (int i = 0; i < frames; i++) {
      float sum = 0;
      for (int c = 0; c < channels; c++) {
        sum += buf.getShort();
      }
      samples[i] = sum / (channels * 32768f);
    }
    return samples;
  }

  /** Every byte of a stream, also from converters whose reads may return 0 before the end. */
  private static byte[] readAll(AudioInputStream in) throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    byte[] buf = new byte[1 << 16];
    for (int n; (n = in.read(buf)) != -1; ) {
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  private static AudioInputStream convert(Path file, AudioInputStream in, AudioFormat target) {
    if (in.getFormat().matches(target)) {
      return in;
    }
    try {
      return AudioSystem.getAudioInputStream(target, in);
    } catch (IllegalArgumentException e) {
      throw new CorruptDataException(file, "cannot convert " + in.getFormat() + " to " + target + " (" + e.getMessage()
          + ")", e);
    }
  }
}
