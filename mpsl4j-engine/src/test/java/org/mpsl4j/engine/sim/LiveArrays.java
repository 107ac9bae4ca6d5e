package org.mpsl4j.engine.sim;

import ai.djl.ndarray.NDManager;

/**
 * How many native arrays the JVM holds right now, over every open manager (the engine's root manager and all its
 * sub-managers). A simulation that does the same work in two epochs should hold as many after each: a count that
 * grows is a step or an epoch end that left arrays behind in a manager that lives on (issue 18).
 */
final class LiveArrays {
  private LiveArrays() {}

  static int count() {
    try (NDManager probe = NDManager.newBaseManager()) {
      return probe.getParentManager().getManagedArrays().size();
    }
  }
}
