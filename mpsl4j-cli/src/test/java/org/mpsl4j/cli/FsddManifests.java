package org.mpsl4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Small labelled manifests over real FSDD recordings (digit = label, speaker = client) for command tests. */
final class FsddManifests {
  static final List<String> SPEAKERS = List.of("george", "jackson", "lucas");

  private FsddManifests() {}

  /** Takes [from, to) of every digit of three speakers: 30 rows per take. */
  static Path write(Path dir, String name, int from, int to) throws Exception {
    Path recordings = InProcessCli.shared("fsdd").resolve("recordings");
    List<String> lines = new ArrayList<>(List.of("audio,label,client"));
    for (String speaker : SPEAKERS) {
      for (int digit = 0; digit < 10; digit++) {
        for (int take = from; take < to; take++) {
          lines.add(dir.relativize(recordings.resolve(digit + "_" + speaker + "_" + take + ".wav")) + "," + digit + ","
              + speaker);
        }
      }
    }
    return Files.write(dir.resolve(name), lines);
  }
}
