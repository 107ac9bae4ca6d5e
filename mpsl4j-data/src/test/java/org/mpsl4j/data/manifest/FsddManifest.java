package org.mpsl4j.data.manifest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.mpsl4j.data.TestData;

/**
 * Writes small manifests over the real FSDD recordings in {@code shared/datasets/fsdd}, with paths relative to the
 * manifest, the digit as label, a text column and the speaker as client.
 */
final class FsddManifest {

  static final Path RECORDINGS = TestData.shared("fsdd").resolve("recordings");

  private FsddManifest() {
  }

  /** The recording of a digit, speaker and take. */
  static Path recording(int digit, String speaker, int take) {
    return RECORDINGS.resolve(digit + "_" + speaker + "_" + take + ".wav");
  }

  /** A CSV manifest {@code audio,text,label,client}: every digit of every speaker, takes 0..takes-1. */
  static Path write(Path dir, String fileName, List<String> speakers, int takes) throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("audio,text,label,client");
    for (String speaker : speakers) {
      for (int digit = 0; digit < 10; digit++) {
        for (int take = 0; take < takes; take++) {
          lines.add(relative(dir, recording(digit, speaker, take)) + ",\"voice note " + take + " from " + speaker
              + "\"," + digit + "," + speaker);
        }
      }
    }
    Path manifest = dir.resolve(fileName);
    Files.write(manifest, lines);
    return manifest;
  }

  /** A path from the manifest's folder to a file, with forward slashes, as a user would write it. */
  static String relative(Path dir, Path file) {
    return dir.toAbsolutePath().relativize(file.toAbsolutePath()).toString().replace('\\', '/');
  }
}
