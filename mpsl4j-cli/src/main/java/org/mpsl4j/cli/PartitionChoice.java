package org.mpsl4j.cli;

import java.util.Locale;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.data.partition.Partitioner;

/**
 * The {@code --partition} choice: Dirichlet label skew (by {@code --alpha}), the dataset's natural groups
 * (one client per subject or speaker), or one class per client ({@code classes:S}: S clients per class, the
 * harshest label skew, where a client's identity gives away its labels).
 */
record PartitionChoice(Kind kind, int shardsPerClass) {
  enum Kind { DIRICHLET, GROUPS, CLASSES }

  static PartitionChoice parse(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    if (v.equals("dirichlet")) {
      return new PartitionChoice(Kind.DIRICHLET, 0);
    }
    if (v.equals("groups")) {
      return new PartitionChoice(Kind.GROUPS, 0);
    }
    if (v.equals("classes") || v.startsWith("classes:")) {
      int shards = 1;
      if (v.startsWith("classes:")) {
        try {
          shards = Integer.parseInt(v.substring("classes:".length()));
        } catch (NumberFormatException e) {
          shards = 0;
        }
      }
      if (shards < 1) {
        throw new IllegalArgumentException("'" + value + "': S in classes:S must be an integer >= 1");
      }
      return new PartitionChoice(Kind.CLASSES, shards);
    }
    throw new IllegalArgumentException("'" + value + "' is not one of dirichlet, groups, classes[:S]");
  }

  boolean usesAlpha() {
    return kind == Kind.DIRICHLET;
  }

  /** The partition for GROUPS or CLASSES (seeded where shards are dealt). */
  Partition partition(LabeledDataset train, long seed) {
    return switch (kind) {
      case GROUPS -> {
        int[] groups = train.groups();
        if (groups.length > 0 && java.util.Arrays.stream(groups).anyMatch(g -> g < 0)) {
          throw new IllegalArgumentException("dataset " + train.name() + " has no natural groups (sp-sw-har has "
              + "subjects, av-mnist speakers, a manifest its client column)");
        }
        yield Partitioner.natural(groups);
      }
      case CLASSES -> Partitioner.natural(train.labels(), shardsPerClass, seed);
      case DIRICHLET -> throw new IllegalStateException("a Dirichlet partition needs --alpha and --clients");
    };
  }
}
