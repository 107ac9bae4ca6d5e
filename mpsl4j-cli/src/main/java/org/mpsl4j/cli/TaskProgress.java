package org.mpsl4j.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.mpsl4j.data.PrepareProgress;

/**
 * A progress bar over a command's units of work (the epochs of all of {@code compare}'s runs, {@code scaling}'s
 * shapes, the parts of {@code bench}, data preparation's long loops) with the elapsed time, the ETA and the latest
 * loss, on stderr; nothing when stderr is not a terminal (CI, a pipe, a log file), where the per-unit lines say
 * enough. One command thread drives {@link #step(String)}; data preparation's steps may come from several threads.
 */
final class TaskProgress implements AutoCloseable {
  private final ProgressBar bar;

  private TaskProgress(ProgressBar bar) {
    this.bar = bar;
  }

  static TaskProgress start(String task, long units) {
    if (System.console() == null || units <= 0) {
      return new TaskProgress(null);
    }
    return new TaskProgress(new ProgressBarBuilder().setTaskName(task).setInitialMax(units)
        .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(1000).build());
  }

  /**
   * Bars for data preparation ({@link PrepareProgress}): one per long loop (rendering, decoding, reading runs).
   * Their steps may come from several threads; the bar library counts atomically.
   */
  static PrepareProgress forData() {
    return (task, total) -> {
      TaskProgress p = start(task, total);
      return new PrepareProgress.Task() {
        @Override
        public void step() {
          if (p.bar != null) {
            p.bar.step();
          }
        }

        @Override
        public void close() {
          p.close();
        }
      };
    };
  }

  /** One unit done; {@code message} (e.g. the loss) is shown after the bar. */
  void step(String message) {
    if (bar != null) {
      bar.setExtraMessage(message);
      bar.step();
    }
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    }
  }
}
