package org.mpsl4j.bench;

import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.engine.ModelFactory;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.Fusion;
import org.mpsl4j.model.ModelConfig;

/**
 * The model shapes the suite measures, all on 1×28×28 images with 7×7 patches (17 tokens), early
 * fusion, as {@code mpsl4j simulate} builds them. Weights are random: speed depends on shapes only.
 */
public final class BenchModels {
  private BenchModels() {}

  /** Names accepted by {@link #of}. */
  public static final String SIMULATE = "simulate";
  public static final String SMALL = "small";

  /**
   * {@code simulate}: the default model of {@code mpsl4j simulate} (the MiniLM-L6 shape: 6 post-norm
   * blocks, width 384, 12 heads; last 3 blocks trained). {@code small}: 4 pre-norm blocks of width 64,
   * 4 heads, all trained (the {@code --encoder scratch} default), where fixed per-step costs weigh most.
   */
  public static ModelConfig of(String name, LabeledDataset data) {
    return switch (name) {
      case SIMULATE -> ModelFactory.forDataset(data, EncoderConfig.miniLmL6(), Fusion.EARLY, 3, 7);
      case SMALL -> ModelFactory.forDataset(data, EncoderConfig.small(64, 4, 4), Fusion.EARLY, 4, 7);
      default -> throw new IllegalArgumentException("unknown model '" + name + "' (" + SIMULATE + ", " + SMALL + ")");
    };
  }

  /** B1 steps per turn: turns of a fraction of a second to a few seconds on 2 cores, at least 3 steps. */
  public static int stepsPerTurn(String name) {
    return name.equals(SMALL) ? 6 : 3;
  }

  /** B1 measured rounds: many short turns where steps are cheap, so that the median ratio is robust. */
  public static int rounds(String name) {
    return name.equals(SMALL) ? 12 : 5;
  }

  /** A one-line description for tables. */
  public static String describe(String name) {
    return switch (name) {
      case SIMULATE -> "simulate default: 6x384 post-norm, 12 heads, last 3 blocks trained, 17 tokens";
      case SMALL -> "small: 4x64 pre-norm, 4 heads, all trained, 17 tokens";
      default -> name;
    };
  }
}
