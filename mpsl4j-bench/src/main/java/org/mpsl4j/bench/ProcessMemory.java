package org.mpsl4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory of this process from {@code /proc/self/status} (Linux); -1 where unavailable. */
final class ProcessMemory {
  private ProcessMemory() {}

  /** Current resident set size in bytes. */
  static long rss() {
    return field("VmRSS:");
  }

  /** Peak resident set size (high-water mark) in bytes since start or the last {@link #resetPeak()}. */
  static long peakRss() {
    return field("VmHWM:");
  }

  /** Resets the high-water mark to the current RSS (writes 5 to /proc/self/clear_refs); false if refused. */
  static boolean resetPeak() {
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static long field(String name) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(name)) {
          String[] parts = line.substring(name.length()).trim().split("\\s+");
          return Long.parseLong(parts[0]) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}
