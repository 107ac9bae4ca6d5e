package org.mpsl4j.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * JMH: one Adam update of stacked clients' patch tokenizers, B2's shapes (the small model's 7×7 patches of MNIST, width
 * 64, 17 tokens: proj [N, 64, 49], bias, CLS, positions [N, 17, 64], LayerNorm), the two ways the stacked clients
 * could do it: {@code djlAdamUpdate}, DJL's {@code adamUpdate} per parameter (what {@code StackedPatchTokenizers} does
 * when every client took part at one step count; it clones the gradient and allocates five more stack-sized
 * temporaries), and {@code inPlace}, the same update with in-place DJL calls and one temporary ({@link #updateInPlace},
 * kept here as the alternative measured). Each invocation starts from a fresh copy of the gradients, as a step's
 * leaves are fresh. Run it in the launcher's environment (its three {@code MALLOC_*} settings): at 1,000 clients
 * DJL's update took 13 ms and the in-place one 25-33 ms there, 70 ± 41 and 35 ± 6 ms without any of them, and
 * 364 and 247 ms with {@code MALLOC_TOP_PAD_} alone (setting one turns off glibc's dynamic mmap threshold, so every
 * stack-sized temporary is a fresh mapping). docs/BENCHMARKS.md has the commands.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class StackedAdamBenchmark {
  private static final long[][] SHAPES = {{64, 49}, {64}, {1, 64}, {17, 64}, {64}, {64}};

  /** Stacked clients. */
  @Param({"10", "1000"})
  public int clients;

  private NDManager manager;
  private final List<NDArray[]> parameters = new ArrayList<>(); // weight, gradient, first and second moment

  @Setup(Level.Trial)
  public void setUp() {
    manager = NDManager.newBaseManager();
    for (long[] one : SHAPES) {
      long[] stacked = new long[one.length + 1];
      stacked[0] = clients;
      System.arraycopy(one, 0, stacked, 1, one.length);
      Shape s = new Shape(stacked);
      parameters.add(new NDArray[] {manager.randomNormal(s), manager.randomNormal(s).mul(1e-2f), manager.zeros(s),
          manager.zeros(s)});
    }
  }

  @Benchmark
  public long djlAdamUpdate() {
    return eachParameter((p, g, scope) -> p[0].getNDArrayInternal().adamUpdate(new NDList(p[0], g, p[2], p[3]),
        new NDList(p[0]), 1e-3f, 1e-3f, 0f, 1f, -1f, Adam.BETA1, Adam.BETA2, Adam.EPS, false, false));
  }

  @Benchmark
  public long inPlace() {
    return eachParameter((p, g, scope) -> updateInPlace(p[0], g, p[2], p[3], Adam.BETA1, Adam.BETA2, 1e-3f, Adam.EPS,
        scope));
  }

  /** One update per parameter, each from a fresh copy of its gradient in one scope; the elements updated. */
  private long eachParameter(Update update) {
    long n = 0;
    try (NDManager scope = manager.newSubManager()) {
      for (NDArray[] p : parameters) {
        NDArray g = p[1].duplicate();
        g.attach(scope);
        update.apply(p, g, scope);
        n += g.size();
      }
    }
    return n;
  }

  /** One parameter's update: {@code p} = weight, gradient, first and second moment; {@code g} the gradient's copy. */
  private interface Update {
    void apply(NDArray[] p, NDArray g, NDManager scope);
  }

  /**
   * m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², w ← w − rate·m / (√v + ε) in place, one temporary in {@code scope};
   * overwrites {@code g}.
   */
  static void updateInPlace(NDArray w, NDArray g, NDArray m, NDArray v, float beta1, float beta2, float rate, float eps,
      NDManager scope) {
    NDArray t = g.square();
    t.attach(scope);
    v.muli(beta2).addi(t.muli(1 - beta2));
    m.muli(beta1).addi(g.muli(1 - beta1));
    v.copyTo(t);
    t.powi(0.5f).addi(eps);
    m.copyTo(g);
    w.subi(g.divi(t).muli(rate));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    manager.close();
  }
}
