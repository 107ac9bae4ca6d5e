package org.mpsl4j.data;

/**
 * Where the long loops of data preparation (rendering SVGs, decoding recordings, windowing sensor runs,
 * reading manifest rows) report how far they are, so that a command can draw a progress bar. The data
 * module draws nothing itself: the command line supplies a terminal bar, everything else gets {@link #NONE}.
 */
@FunctionalInterface
public interface PrepareProgress {
  /** Reports nothing. */
  PrepareProgress NONE = (task, total) -> Task.NONE;

  /** Starts a task of {@code total} units, e.g. {@code ("openclipart: rendering SVGs", 8121)}. */
  Task begin(String task, long total);

  /** One running task. {@link #step} may be called from several threads at once. */
  interface Task extends AutoCloseable {
    /** Does nothing. */
    Task NONE = new Task() {
      @Override
      public void step() {}

      @Override
      public void close() {}
    };

    /** One unit done. */
    void step();

    @Override
    void close();
  }
}
