package org.mpsl4j.data.image;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;

/**
 * Resizes images with Java2D's bilinear interpolation (no hand-written resampling), for datasets whose native size
 * differs from the size the model's patch embedding wants: 8-bit grayscale arrays (MNIST-style) and decoded pictures
 * of any kind (manifest datasets).
 */
public final class ImageResize {

  static {
    System.setProperty("java.awt.headless", "true");
  }

  private ImageResize() {
  }

  /**
   * Resizes {@code count} gray images of {@code width x height} bytes, stored one after another, to {@code size x
   * size}; returns the input itself if nothing changes.
   */
  public static byte[] grayImages(byte[] pixels, int count, int width, int height, int size) {
    if (width == size && height == size) {
      return pixels;
    }
    byte[] out = new byte[count * size * size];
    BufferedImage src = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    BufferedImage dst = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
    byte[] srcData = ((DataBufferByte) src.getRaster().getDataBuffer()).getData();
    byte[] dstData = ((DataBufferByte) dst.getRaster().getDataBuffer()).getData();
    Graphics2D g = dst.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      for (int i = 0; i < count; i++) {
        System.arraycopy(pixels, i * width * height, srcData, 0, width * height);
        g.drawImage(src, 0, 0, size, size, null);
        System.arraycopy(dstData, 0, out, i * size * size, size * size);
      }
    } finally {
      g.dispose();
    }
    return out;
  }

  /**
   * A decoded picture stretched to {@code size x size} over a white background (transparent pixels become white, as
   * drawings usually assume), as bytes {@code [channels, size, size]}, channel-major: RGB planes for 3 channels, luma
   * for 1.
   */
  public static byte[] square(BufferedImage image, int size, int channels) {
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("channels must be 1 or 3 but was " + channels);
    }
    BufferedImage dst = new BufferedImage(size, size,
        channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = dst.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, size, size);
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(image, 0, 0, size, size, null);
    } finally {
      g.dispose();
    }
    byte[] data = ((DataBufferByte) dst.getRaster().getDataBuffer()).getData();
    if (channels == 1) {
      return data.clone();
    }
    // TYPE_3BYTE_BGR interleaves B, G, R per pixel; the model wants planes R, G, B.
    int plane = size * size;
    byte[] out = new byte[3 * plane];
    for (int i = 0; i < plane; i++) {
      out[i] = data[3 * i + 2];
      out[plane + i] = data[3 * i + 1];
      out[2 * plane + i] = data[3 * i];
    }
    return out;
  }
}
