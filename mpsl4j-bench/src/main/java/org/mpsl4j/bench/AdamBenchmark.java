package org.mpsl4j.bench;

import ai.djl.ndarray.NDManager;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.ServerModel;
import org.mpsl4j.model.train.Adam;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * JMH: one {@link Adam#step} over the trained parameters of a {@link BenchModels} server model, the
 * optimizer update every method runs once per step (server, clients, centralized). The gradients are
 * whatever the parameters hold (zeros here): the update's cost depends on shapes, not values.
 *
 * <p>To compare two builds of the optimizer, run the same benchmark class with the other build's
 * {@code mpsl4j-model} jar first on the class path ({@code java -cp other-model.jar:... org.openjdk.jmh.Main
 * AdamBenchmark}); docs/BENCHMARKS.md records such a run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class AdamBenchmark {
  /** {@link BenchModels} name: {@code small} (4×64) or {@code simulate} (MiniLM shape, last 3 blocks trained). */
  @Param({"small", "simulate"})
  public String model;

  private NDManager manager;
  private ServerModel server;
  private Adam adam;

  @Setup(Level.Trial)
  public void setUp() {
    manager = NDManager.newBaseManager();
    ModelConfig config = BenchModels.of(model, SyntheticData.mnistShaped(10, 10, 1).train());
    server = new ServerModel(manager, config, new Random(1));
    adam = new Adam(manager, 1e-4f);
  }

  @Benchmark
  public long step() {
    try (NDManager scope = manager.newSubManager()) {
      adam.step(server.namedParameters(), scope);
    }
    return adam.steps();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    manager.close();
  }
}
