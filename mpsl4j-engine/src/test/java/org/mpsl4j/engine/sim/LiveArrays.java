package org.mpsl4j.engine.sim;

import ai.djl.ndarray.NDManager;

/**
 * How many native arrays the JVM holds, over every open manager (the engine's root manager and all its
 * sub-managers). A simulation that does the same work in two epochs should hold as many after each: a count that
 * grows is a step or an epoch end that left arrays behind in a manager that lives on (issue 18).
 */
final class LiveArrays {
  private LiveArrays() {}

  /** The count right now. */
  static int count() {
    try (NDManager probe = NDManager.newBaseManager()) {
      return probe.getParentManager().getManagedArrays().size();
    }
  }

  /**
   * The count once it has stopped moving: the same in three reads 20 ms apart (at most about 2 s of reads). At an
   * epoch's end the server has its replies, but a client thread may still be closing the scope of the message it
   * answered; counted then, an epoch can show a few arrays more than the next (seen: 316 against 308).
   */
  static int settledCount() {
    int last = count();
    int same = 0;
    for (int i = 0; i < 100 && same < 2; i++) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return last;
      }
      int now = count();
      same = now == last ? same + 1 : 0;
      last = now;
    }
    return last;
  }
}
