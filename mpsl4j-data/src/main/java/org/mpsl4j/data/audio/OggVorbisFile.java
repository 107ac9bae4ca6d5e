package org.mpsl4j.data.audio;

import com.jcraft.jogg.Packet;
import com.jcraft.jogg.Page;
import com.jcraft.jogg.StreamState;
import com.jcraft.jogg.SyncState;
import com.jcraft.jorbis.Block;
import com.jcraft.jorbis.Comment;
import com.jcraft.jorbis.DspState;
import com.jcraft.jorbis.Info;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.mpsl4j.data.CorruptDataException;

/**
 * Decodes an Ogg Vorbis file (the first logical stream) to mono samples at its own rate with JOrbis, the pure-Java
 * Vorbis decoder: the page, packet and synthesis loop of JOrbis's own example, channels averaged as they come out.
 */
final class OggVorbisFile {
  private static final int CHUNK = 4096;

  /** Mono samples in [-1, 1] and their rate. */
  record Decoded(float[] samples, int rate) {}

  private OggVorbisFile() {}

  /** Whether a file starts with an Ogg page ("OggS"). */
  static boolean isOgg(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] magic = in.readNBytes(4);
      return magic.length == 4 && magic[0] == 'O' && magic[1] == 'g' && magic[2] == 'g' && magic[3] == 'S';
    } catch (IOException e) {
      return false;
    }
  }

  /** @throws CorruptDataException naming the file when it is not Ogg Vorbis or breaks off before its audio */
  static Decoded read(Path file) {
    SyncState sync = new SyncState();
    StreamState stream = new StreamState();
    Page page = new Page();
    Packet packet = new Packet();
    Info info = new Info();
    Comment comment = new Comment();
    DspState dsp = new DspState();
    Block block = new Block(dsp);
    try (InputStream in = Files.newInputStream(file)) {
      sync.init();
      feed(sync, in);
      if (sync.pageout(page) != 1) {
        throw new CorruptDataException(file, "not an Ogg file");
      }
      stream.init(page.serialno());
      info.init();
      comment.init();
      if (stream.pagein(page) < 0 || stream.packetout(packet) != 1 || info.synthesis_headerin(comment, packet) < 0) {
        throw new CorruptDataException(file, "an Ogg file but not Vorbis audio (Opus, FLAC or video are not read)");
      }
      readOtherHeaders(file, in, sync, stream, page, packet, info, comment);
      dsp.synthesis_init(info);
      block.init(dsp);
      return new Decoded(decode(in, sync, stream, page, packet, dsp, block, info.channels), info.rate);
    } catch (IOException e) {
      throw new CorruptDataException(file, "cannot be read: " + e.getMessage(), e);
    } finally {
      stream.clear();
      block.clear();
      dsp.clear();
      info.clear();
      sync.clear();
    }
  }

  /** The comment and codebook headers, which may span several pages. */
  private static void readOtherHeaders(Path file, InputStream in, SyncState sync, StreamState stream, Page page,
      Packet packet, Info info, Comment comment) throws IOException {
    int headers = 0;
    while (headers < 2) {
      int result = sync.pageout(page);
      if (result == 0) {
        if (feed(sync, in) <= 0) {
          throw new CorruptDataException(file, "ends inside the Vorbis headers");
        }
        continue;
      }
      if (result < 0) {
        continue;
      }
      stream.pagein(page);
      while (headers < 2) {
        result = stream.packetout(packet);
        if (result == 0) {
          break;
        }
        if (result < 0 || info.synthesis_headerin(comment, packet) < 0) {
          throw new CorruptDataException(file, "has a corrupt Vorbis header");
        }
        headers++;
      }
    }
  }

  private static float[] decode(InputStream in, SyncState sync, StreamState stream, Page page, Packet packet,
      DspState dsp, Block block, int channels) throws IOException {
    float[] out = new float[1 << 16];
    int n = 0;
    float[][][] pcm = new float[1][][];
    int[] offsets = new int[channels];
    boolean end = false;
    while (!end) {
      int result = sync.pageout(page);
      if (result == 0) {
        end = feed(sync, in) <= 0;
        continue;
      }
      if (result < 0) {
        continue; // a gap in the data: skip to the next page, as players do
      }
      stream.pagein(page);
      while ((result = stream.packetout(packet)) != 0) {
        if (result < 0) {
          continue;
        }
        if (block.synthesis(packet) == 0) {
          dsp.synthesis_blockin(block);
        }
        for (int samples; (samples = dsp.synthesis_pcmout(pcm, offsets)) > 0; ) {
          if (n + samples > out.length) {
            out = Arrays.copyOf(out, Math.max(out.length * 2, n + samples));
          }
          for (int c = 0; c < channels; c++) {
            float[] ch = pcm[0][c];
            for (int j = 0; j < samples; j++) {
              out[n + j] += ch[offsets[c] + j] / channels;
            }
          }
          n += samples;
          dsp.synthesis_read(samples);
        }
      }
      end = page.eos() != 0;
    }
    return Arrays.copyOf(out, n);
  }

  /** Hands the next chunk of the file to the Ogg sync layer; returns the bytes read (-1 at the end). */
  private static int feed(SyncState sync, InputStream in) throws IOException {
    int index = sync.buffer(CHUNK);
    int read = in.read(sync.data, index, CHUNK);
    sync.wrote(Math.max(read, 0));
    return read;
  }
}
