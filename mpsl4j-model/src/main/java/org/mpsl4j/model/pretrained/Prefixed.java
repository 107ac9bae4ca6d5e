package org.mpsl4j.model.pretrained;

import org.mpsl4j.model.Module;

/**
 * Puts a module under a dotted name prefix ({@code encoder.}, {@code server.encoder.}) without
 * copying it, so that a checkpoint of a whole model can fill just one of its parts by name.
 */
final class Prefixed extends Module {
  private Prefixed(String name, Module child) {
    addChild(name, child);
  }

  /** {@code module} seen under {@code prefix}, which is empty or ends with a dot. */
  static Module wrap(String prefix, Module module) {
    if (prefix.isEmpty()) {
      return module;
    }
    String[] parts = prefix.substring(0, prefix.length() - 1).split("\\.");
    Module m = module;
    for (int i = parts.length - 1; i >= 0; i--) {
      m = new Prefixed(parts[i], m);
    }
    return m;
  }
}
