package org.mpsl4j.model.pretrained;

import java.util.List;

/**
 * Formats the list of everything wrong with a model file, so that one failed load reports all its
 * causes at once (a wrong config typically breaks dozens of tensors) without burying the first ones.
 */
final class Problems {
  /** At most this many lines are listed; the rest are counted. */
  static final int SHOWN = 12;

  private Problems() {}

  /** One bulleted line per problem, each starting on a new line. */
  static String bullets(List<String> problems) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < Math.min(SHOWN, problems.size()); i++) {
      b.append("\n  - ").append(problems.get(i));
    }
    if (problems.size() > SHOWN) {
      b.append("\n  - ... and ").append(problems.size() - SHOWN).append(" more");
    }
    return b.toString();
  }
}
