package org.mpsl4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.Datasets;
import org.mpsl4j.data.ServerData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mpsl4j server-data}: writes what a deployed {@code server} may hold of a dataset, its inputs, class names
 * and (unless {@code --no-test-set}) its test split, into a folder for {@code server --server-data}. Run it where the
 * dataset is (for an experiment, the machine that prepares the run); the training half is read here only to load the
 * dataset and is not written.
 */
@Command(name = "server-data", mixinStandardHelpOptions = true,
    description = "Write a server's data folder (inputs, classes, optional test set; no training data) for"
        + " `server --server-data`.")
final class ServerDataCommand implements Callable<Integer> {
  @Option(names = "--dataset", defaultValue = Datasets.DEFAULT, description = "Dataset (default: ${DEFAULT-VALUE}),"
      + " or manifest:<path> (docs/OWN_DATA.md).")
  String dataset;

  @Option(names = "--data-dir", defaultValue = "data", description = "Dataset folder (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--samples", defaultValue = "4000", description = "Samples per split, 0 = all; the same value as"
      + " the clients' gives the same test split (default: ${DEFAULT-VALUE}).")
  int samples;

  @Option(names = "--seed", defaultValue = "2024", description = "Seed of the sample selection (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--no-test-set", description = "Write the inputs and classes only: the server then reports no"
      + " global test accuracy.")
  boolean noTestSet;

  @Option(names = "--out", required = true, description = "Folder to write (server-data.json, test.bin).")
  Path out;

  @Override
  public Integer call() throws Exception {
    if (samples < 0) {
      System.err.println("error: --samples must be >= 0 (0 = all) but was " + samples);
      return 2;
    }
    DataOptions options = DataOptions.builder().optSeed(seed).optMaxSamplesPerSplit(samples).optLog(System.out)
        .optProgress(TaskProgress.forData()).build();
    Datasets.prepare(dataset, dataDir, options, System.out);
    DatasetSplit split = Datasets.load(dataset, dataDir, options);
    ServerData data = ServerData.of(dataset, split, ManifestRun.manifestPatches(dataset), !noTestSet);
    data.write(out);
    System.out.printf("wrote %s: %d inputs %s, %d classes, %s; no training data%n", out, data.inputs().size(),
        data.inputs(), data.classes().size(), noTestSet ? "no test set" : split.test().size() + " test samples");
    return 0;
  }
}
