package org.mpsl4j.data.image;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;

/**
 * Resizes 8-bit grayscale images with Java2D's bilinear interpolation (no hand-written resampling), for datasets whose
 * native size differs from the size the model's patch embedding wants.
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
}
