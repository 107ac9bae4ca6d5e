package org.mpsl4j.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mpsl4j.data.manifest.ManifestCheck;
import org.mpsl4j.data.manifest.ManifestConfig;
import org.mpsl4j.data.manifest.ManifestSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mpsl4j data check <manifest>}: reads a manifest and every file it names exactly as training would, then
 * prints the inputs, the rows per class and per client (train / test), and every problem with its manifest line.
 * Exit code 0 if training can start, {@value DataCommand#DATA_ERROR} if anything would make it fail.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
    description = "Validate a manifest of your own data (CSV or JSON lines) before training: counts per class and"
        + " client, every missing or unreadable file with its line; exit 2 if training would fail.")
final class ManifestCheckCommand implements Callable<Integer> {

  @Parameters(index = "0", description = "The manifest: a path, or manifest:<path> as --dataset takes it.")
  String manifest;

  @Option(names = "--seed", defaultValue = "2024", description = "Seed of the split when no row names one"
      + " (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() {
    return DataCommand.guarded(() -> {
      Path file = ManifestSource.isManifest(manifest) ? ManifestSource.pathOf(manifest) : Path.of(manifest);
      ManifestConfig config = ManifestConfig.forManifest(file);
      ManifestCheck.Result r = ManifestCheck.run(file, config, seed);
      System.out.println("manifest " + file.toAbsolutePath().normalize() + ": " + r.samples().size()
          + " readable rows, modalities " + r.modalities() + (r.sensorChannels() > 0
          ? ", " + r.sensorChannels() + " sensor channels" : ""));
      System.out.println("settings: " + config.toJson());
      print("class", r.countsByClass());
      if (!r.clientNames().isEmpty()) {
        print("client", r.countsByClient());
      } else {
        System.out.println("clients: none named; simulate/compare use --clients with the --alpha partitioner");
      }
      if (r.ok()) {
        System.out.println("OK: ready to train with --dataset manifest:" + file);
        return 0;
      }
      System.out.println(r.problems().size() + " problem(s):");
      r.problems().forEach(p -> System.out.println("  " + p));
      return DataCommand.DATA_ERROR;
    });
  }

  private static void print(String what, Map<String, int[]> counts) {
    System.out.printf("%-16s %6s %6s%n", what, "train", "test");
    counts.forEach((name, n) -> System.out.printf("%-16s %6d %6d%n", name, n[0], n[1]));
  }
}
