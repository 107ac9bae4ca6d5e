package org.mpsl4j.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time of this JVM's JIT compiler threads so far, from {@code /proc/self/task/<tid>/stat} (Linux;
 * -1 elsewhere). {@code CompilationMXBean}'s compilation time is elapsed time, which on a loaded machine
 * counts the compiler threads' waiting for a core too; this counts only their CPU. Compiler threads that
 * HotSpot has already ended are not counted, so a short interval can read low, never high.
 */
final class CompilerCpu {
  /** Linux's USER_HZ: the unit of utime and stime in /proc. */
  private static final long TICK_NANOS = 10_000_000L;

  private CompilerCpu() {}

  static long nanos() {
    long ticks = 0;
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
      for (Path task : tasks) {
        String stat;
        try {
          stat = Files.readString(task.resolve("stat"));
        } catch (IOException e) {
          continue; // the thread ended meanwhile
        }
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        String name = stat.substring(open + 1, close);
        if (!name.startsWith("C1 CompilerThre") && !name.startsWith("C2 CompilerThre")) {
          continue;
        }
        String[] f = stat.substring(close + 2).split(" "); // f[0] is field 3 (state); utime is field 14
        ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return ticks * TICK_NANOS;
  }
}
