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
 * Reads a mono 16-bit PCM WAV file with Java Sound (the JDK's own RIFF parser) into samples in [-1, 1).
 *
 * <p>Rejects, with a {@link CorruptDataException} naming the file: a file Java Sound cannot parse, another encoding,
 * channel count or sample rate than expected, and a truncated file (fewer sample bytes than the header declares).
 */
public final class WavFile {

  private WavFile() {
  }

  /** The samples of a mono 16-bit PCM WAV recorded at {@code expectedRate} Hz, scaled to [-1, 1). */
  public static float[] readMono16(Path file, int expectedRate) {
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file));
        AudioInputStream in = AudioSystem.getAudioInputStream(raw)) {
      AudioFormat f = in.getFormat();
      if (f.getEncoding() != AudioFormat.Encoding.PCM_SIGNED || f.getSampleSizeInBits() != 16
          || f.getChannels() != 1) {
        throw new CorruptDataException(file, "expected mono 16-bit signed PCM but found " + f);
      }
      if (Math.round(f.getSampleRate()) != expectedRate) {
        throw new CorruptDataException(file, "expected a sample rate of " + expectedRate + " Hz but found "
            + f.getSampleRate() + " Hz");
      }
      byte[] bytes = in.readAllBytes();
      long declared = in.getFrameLength();
      if (declared != AudioSystem.NOT_SPECIFIED && bytes.length < declared * 2) {
        throw new CorruptDataException(file, "truncated: the header declares " + declared + " samples but only "
            + bytes.length / 2 + " are present");
      }
      if (bytes.length < 2) {
        throw new CorruptDataException(file, "holds no audio samples");
      }
      ByteBuffer buf = ByteBuffer.wrap(bytes).order(f.isBigEndian() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
      float[] samples = new float[bytes.length / 2];
      for (int i = 0; i < samples.length; i++) {
        samples[i] = buf.getShort() / 32768f;
      }
      return samples;
    } catch (UnsupportedAudioFileException e) {
      throw new CorruptDataException(file, "not a readable WAV file (" + e.getMessage() + ")", e);
    } catch (IOException e) {
      throw new CorruptDataException(file, "cannot be read: " + e.getMessage(), e);
    }
  }
}
