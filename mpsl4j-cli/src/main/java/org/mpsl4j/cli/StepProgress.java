package org.mpsl4j.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.mpsl4j.engine.mpsl.MpslServer;

/** A progress bar per epoch, driven by the server's step notifications (on stderr, like most CLIs). */
final class StepProgress implements MpslServer.ProgressListener {
  private ProgressBar bar;

  @Override
  public synchronized void stepDone(int epoch, int stepInEpoch, int stepsPerEpoch) {
    if (System.console() == null) {
      return; // not a terminal (CI, a pipe, a log file): the per-epoch lines say enough
    }
    if (bar == null) {
      bar = new ProgressBarBuilder().setTaskName("epoch " + (epoch + 1)).setInitialMax(stepsPerEpoch)
          .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).build();
    }
    bar.stepTo(stepInEpoch + 1);
  }

  synchronized void endEpoch() {
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }
}
