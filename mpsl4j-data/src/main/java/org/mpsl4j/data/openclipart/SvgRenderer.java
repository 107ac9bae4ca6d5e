package org.mpsl4j.data.openclipart;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.batik.bridge.UserAgent;
import org.apache.batik.transcoder.ErrorHandler;
import org.apache.batik.transcoder.SVGAbstractTranscoder;
import org.apache.batik.transcoder.TranscoderException;
import org.apache.batik.transcoder.TranscoderInput;
import org.apache.batik.transcoder.TranscoderOutput;
import org.apache.batik.transcoder.image.ImageTranscoder;
import org.mpsl4j.data.CorruptDataException;

/**
 * Renders an SVG file to a square RGB raster with Apache Batik: the drawing is scaled to fit {@code size x size}
 * (aspect ratio kept, centred, as the SVG's {@code preserveAspectRatio} says) over a white background, since clip art
 * is mostly drawn on transparency. External resources, scripts and onload handlers are disabled, so rendering never
 * touches the network. Thread-safe: each call uses its own transcoder.
 *
 * <p>Batik is strict where browsers are lenient, and about a quarter of the OpenClipart 0.18 files would fail for
 * three harmless reasons, which are repaired before parsing (only the root {@code <svg>} start tag is touched): a
 * missing SVG namespace declaration (and a missing xlink one where {@code xlink:} is used) is added; a version other
 * than 1.0, 1.1 or 1.2 (e.g. {@code version="1"}) becomes 1.1; and errors that Batik reports as recoverable (such as
 * an invalid CSS value, which it then ignores) do not abort rendering. Anything else fails the file.
 */
public final class SvgRenderer {

  static {
    System.setProperty("java.awt.headless", "true");
  }

  private final int size;

  /** A renderer to {@code size x size} pixels. */
  public SvgRenderer(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("size must be >= 1 but was " + size);
    }
    this.size = size;
  }

  /**
   * The pixels of one SVG as bytes in {@code [3, size, size]} (channel-major: all red, then green, then blue).
   *
   * @throws CorruptDataException naming the file if Batik cannot parse or render it
   */
  public byte[] render(Path file) {
    Capture transcoder = new Capture();
    transcoder.addTranscodingHint(SVGAbstractTranscoder.KEY_WIDTH, (float) size);
    transcoder.addTranscodingHint(SVGAbstractTranscoder.KEY_HEIGHT, (float) size);
    transcoder.addTranscodingHint(ImageTranscoder.KEY_BACKGROUND_COLOR, Color.WHITE);
    transcoder.addTranscodingHint(SVGAbstractTranscoder.KEY_ALLOW_EXTERNAL_RESOURCES, Boolean.FALSE);
    transcoder.addTranscodingHint(SVGAbstractTranscoder.KEY_EXECUTE_ONLOAD, Boolean.FALSE);
    transcoder.setErrorHandler(LENIENT);
    try (InputStream in = new ByteArrayInputStream(repairRootTag(Files.readAllBytes(file)))) {
      TranscoderInput input = new TranscoderInput(in);
      input.setURI(file.toUri().toString());
      transcoder.transcode(input, null);
    } catch (TranscoderException | RuntimeException | IOException | LinkageError e) {
      throw new CorruptDataException(file, "unreadable SVG: " + reason(e), e);
    }
    BufferedImage img = transcoder.image;
    if (img == null) {
      throw new CorruptDataException(file, "unreadable SVG: Batik produced no image");
    }
    byte[] out = new byte[3 * size * size];
    int plane = size * size;
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        int rgb = img.getRGB(Math.min(x, img.getWidth() - 1), Math.min(y, img.getHeight() - 1));
        int at = y * size + x;
        out[at] = (byte) (rgb >> 16);
        out[plane + at] = (byte) (rgb >> 8);
        out[2 * plane + at] = (byte) rgb;
      }
    }
    return out;
  }

  /** The first line of the innermost useful message (Batik wraps the real cause, often with a null message). */
  static String reason(Throwable e) {
    String why = null;
    for (Throwable t = e; t != null; t = next(t)) {
      String m = t.getMessage();
      if (m != null && !m.isBlank() && !m.startsWith("null")) {
        why = m;
        if (!(t instanceof TranscoderException)) {
          break;
        }
      }
    }
    if (why == null) {
      return e.getClass().getSimpleName();
    }
    // Batik puts the file URI on the first line and the problem on the next.
    String[] lines = why.strip().split("\\R");
    String line = lines[0];
    if (lines.length > 1 && line.startsWith("file:")) {
      line = lines[1];
    }
    return line.strip();
  }

  private static Throwable next(Throwable t) {
    if (t instanceof TranscoderException te && te.getException() != null && te.getException() != t) {
      return te.getException();
    }
    return t.getCause() == t ? null : t.getCause();
  }

  /**
   * Adds missing namespace declarations to the root {@code <svg>} tag and replaces a version Batik rejects. The bytes
   * are handled as ISO-8859-1, which maps every byte to one char and back, so any file encoding survives unchanged.
   */
  static byte[] repairRootTag(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    Matcher m = ROOT.matcher(text);
    if (!m.find()) {
      return bytes;
    }
    String tag = m.group();
    String fixed = tag;
    if (!fixed.matches("(?s).*\\sxmlns\\s*=.*")) {
      fixed = fixed.replaceFirst("^<svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"");
    }
    if (!fixed.contains("xmlns:xlink") && text.contains("xlink:")) {
      fixed = fixed.replaceFirst("^<svg", "<svg xmlns:xlink=\"http://www.w3.org/1999/xlink\"");
    }
    Matcher v = VERSION.matcher(fixed);
    if (v.find() && !SUPPORTED_VERSIONS.contains(v.group(2))) {
      fixed = fixed.substring(0, v.start()) + v.group(1) + "1.1" + v.group(3) + fixed.substring(v.end());
    }
    if (fixed.equals(tag)) {
      return bytes;
    }
    return (text.substring(0, m.start()) + fixed + text.substring(m.end())).getBytes(StandardCharsets.ISO_8859_1);
  }

  private static final Pattern ROOT = Pattern.compile("<svg\\b[^>]*>");
  private static final Pattern VERSION = Pattern.compile("(\\sversion\\s*=\\s*[\"'])([^\"']*)([\"'])");
  private static final Set<String> SUPPORTED_VERSIONS = Set.of("1.0", "1.1", "1.2");

  /** Throws on errors Batik cannot continue after; lets it go on (ignoring the bad part) after recoverable ones. */
  private static final ErrorHandler LENIENT = new ErrorHandler() {
    @Override
    public void error(TranscoderException ex) {
      // Recoverable (e.g. an invalid CSS value): Batik skips that part and renders the rest.
    }

    @Override
    public void fatalError(TranscoderException ex) throws TranscoderException {
      throw ex;
    }

    @Override
    public void warning(TranscoderException ex) {
      // Nothing to do.
    }
  };

  /** Keeps the rendered image instead of encoding it to a file format. */
  private static final class Capture extends ImageTranscoder {
    private BufferedImage image;

    /** Batik's own agent prints a stack trace for every recoverable error; this one only passes it on. */
    @Override
    protected UserAgent createUserAgent() {
      return new SVGAbstractTranscoderUserAgent() {
        @Override
        public void displayError(Exception e) {
          try {
            handler.error(new TranscoderException(e));
          } catch (TranscoderException fatal) {
            throw new IllegalStateException(fatal.getMessage(), fatal);
          }
        }
      };
    }

    @Override
    public BufferedImage createImage(int width, int height) {
      return new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
    }

    @Override
    public void writeImage(BufferedImage img, TranscoderOutput output) {
      this.image = img;
    }
  }
}
