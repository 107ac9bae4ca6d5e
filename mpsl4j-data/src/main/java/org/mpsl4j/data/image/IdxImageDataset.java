package org.mpsl4j.data.image;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.mpsl4j.data.ArrayDataset;
import org.mpsl4j.data.Column;
import org.mpsl4j.data.CorruptDataException;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.DataUnavailableException;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.InputSpec;
import org.mpsl4j.data.Modality;

/**
 * Loads an MNIST-format image classification set from a folder holding {@code train-images-idx3-ubyte},
 * {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte} and {@code t10k-labels-idx1-ubyte} (each optionally
 * {@code .gz}): MNIST itself and Fashion-MNIST.
 *
 * <p>The official train/test files are the split. One input, {@code "image"}, of shape {@code [1, s, s]}, s = 28 unless
 * {@link DataOptions#imageSize()} asks for a bilinear resize. Pixels are kept as bytes and read as
 * {@code (p / 255 - mean) / std} with the dataset's mean and std over the training images (see {@link Source}).
 * Idx files with a bad header or length are rejected as a whole, naming the file.
 */
public final class IdxImageDataset {

  /** Native side of MNIST-format images. */
  public static final int NATIVE_SIZE = 28;

  /**
   * What distinguishes one MNIST-format set from another.
   *
   * @param name       registry name, e.g. {@code mnist}
   * @param classNames names of the 10 classes
   * @param mean       mean pixel value of the training images, in [0, 1]
   * @param std        standard deviation of the training pixel values, in [0, 1]
   * @param howToGet   how to obtain the files, for the message when they are missing
   */
  public record Source(String name, List<String> classNames, float mean, float std, String howToGet) {
  }

  /** MNIST (LeCun, Cortes, Burges): pixel mean 0.1307, std 0.3081. */
  public static Source mnist(String howToGet) {
    return new Source("mnist", List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), 0.1307f, 0.3081f,
        howToGet);
  }

  /** Fashion-MNIST (Zalando Research): pixel mean 0.2860, std 0.3530. */
  public static Source fashionMnist(String howToGet) {
    return new Source("fashion-mnist", List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
        "Shirt", "Sneaker", "Bag", "Ankle boot"), 0.2860f, 0.3530f, howToGet);
  }

  private IdxImageDataset() {
  }

  /** The four idx files of {@code dir}, in the order train images, train labels, test images, test labels. */
  public static List<Path> files(Source source, Path dir) {
    return List.of(find(source, dir, "train-images-idx3-ubyte"), find(source, dir, "train-labels-idx1-ubyte"),
        find(source, dir, "t10k-images-idx3-ubyte"), find(source, dir, "t10k-labels-idx1-ubyte"));
  }

  /** Loads both splits, each limited to {@code options.maxSamplesPerSplit()} samples chosen with the seed. */
  public static DatasetSplit load(Source source, Path dir, DataOptions options) {
    List<Path> f = files(source, dir);
    int size = options.imageSizeOr(NATIVE_SIZE);
    ArrayDataset train = split(source, source.name() + "/train", f.get(0), f.get(1), size, options);
    ArrayDataset test = split(source, source.name() + "/test", f.get(2), f.get(3), size, options);
    return new DatasetSplit(train, test);
  }

  private static ArrayDataset split(Source source, String name, Path imageFile, Path labelFile, int size,
      DataOptions options) {
    IdxFile images = IdxFile.read(imageFile, 3);
    IdxFile labels = IdxFile.read(labelFile, 1);
    if (images.count() != labels.count()) {
      throw new CorruptDataException(imageFile, images.count() + " images but " + labelFile.getFileName() + " has "
          + labels.count() + " labels");
    }
    int[] y = new int[labels.count()];
    for (int i = 0; i < y.length; i++) {
      y[i] = labels.data()[i] & 0xff;
      if (y[i] >= source.classNames().size()) {
        throw new CorruptDataException(labelFile, "label " + y[i] + " of item " + i + " is not a class index 0.."
            + (source.classNames().size() - 1));
      }
    }
    int[] dims = images.dimensions();
    int[] keep = options.maxSamplesPerSplit() > 0 && options.maxSamplesPerSplit() < y.length
        ? ArrayDataset.sampleIndices(y.length, options.maxSamplesPerSplit(), options.seed()) : null;
    byte[] pixels = images.data();
    int pixelsPerImage = dims[1] * dims[2];
    if (keep != null) {
      byte[] picked = new byte[keep.length * pixelsPerImage];
      int[] pickedLabels = new int[keep.length];
      for (int i = 0; i < keep.length; i++) {
        System.arraycopy(pixels, keep[i] * pixelsPerImage, picked, i * pixelsPerImage, pixelsPerImage);
        pickedLabels[i] = y[keep[i]];
      }
      pixels = picked;
      y = pickedLabels;
    }
    byte[] resized = ImageResize.grayImages(pixels, y.length, dims[2], dims[1], size);
    InputSpec spec = new InputSpec("image", Modality.IMAGE, new int[] {1, size, size});
    Column column = new Column.Bytes(spec, resized, source.mean(), source.std());
    return new ArrayDataset(name, source.classNames(), List.of(column), y, null, List.of());
  }

  private static Path find(Source source, Path dir, String base) {
    Path plain = dir.resolve(base);
    if (Files.isRegularFile(plain)) {
      return plain;
    }
    Path gz = dir.resolve(base + ".gz");
    if (Files.isRegularFile(gz)) {
      return gz;
    }
    throw new DataUnavailableException(source.name() + ": " + base + "[.gz] is missing from " + dir.toAbsolutePath()
        + ". " + source.howToGet());
  }
}
