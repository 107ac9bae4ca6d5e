package org.mpsl4j.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.mpsl4j.core.cut.CutBatch;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.TensorLimits;
import org.mpsl4j.protocol.v1.Tensor;
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
 * JMH: the server's decode of one phase's RAW client tensors into the joined batch, the two ways B2's
 * server has done it, on B2's shapes (activations b×17×64 of the small model, 1,000 rows in all).
 * {@code perMessage} (before): one native tensor per message, a concatenation for the value check and
 * one for the batch. {@code joined} (now, {@code ActivationBatch}): every header checked, one native tensor
 * for all messages, the value check on it, a view per client and the batch's concatenation of the views.
 * The server's session and error handling around it is left out; only the tensor path is timed.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class PhaseDecodeBenchmark {
  private static final TensorLimits SHAPE_ONLY = new TensorLimits(3, 1L << 24, false);

  /** Clients of the phase; each sends 1,000 / clients rows. */
  @Param({"10", "1000"})
  public int clients;

  private NDManager manager;
  private List<Tensor> messages;

  @Setup(Level.Trial)
  public void setUp() {
    manager = NDManager.newBaseManager();
    messages = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      messages.add(TensorCodec.encode(manager.randomNormal(new Shape(1000 / clients, 17, 64))));
    }
  }

  @Benchmark
  public long perMessage() {
    try (NDManager scope = manager.newSubManager()) {
      List<NDArray> parts = new ArrayList<>(clients);
      for (Tensor t : messages) {
        parts.add(TensorCodec.decode(t, scope, SHAPE_ONLY, "client"));
      }
      boolean ok = valuesOk(CutBatch.concat(parts));
      return CutBatch.concat(parts).getShape().get(0) + (ok ? 0 : 1);
    }
  }

  @Benchmark
  public long joined() {
    try (NDManager scope = manager.newSubManager()) {
      for (Tensor t : messages) {
        TensorCodec.checkRaw(t, SHAPE_ONLY, "client");
      }
      NDArray all = TensorCodec.decodeJoined(messages, scope);
      boolean ok = valuesOk(all);
      List<NDArray> views = new ArrayList<>(clients);
      long row = 0;
      for (Tensor t : messages) {
        long b = t.getShape(0);
        views.add(clients == 1 ? all : all.get(new NDIndex().addSliceDim(row, row + b)));
        row += b;
      }
      return CutBatch.concat(views).getShape().get(0) + (ok ? 0 : 1);
    }
  }

  private static boolean valuesOk(NDArray a) {
    try (NDArray abs = a.abs(); NDArray max = abs.max()) {
      return max.getFloat() <= 1e4f;
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    manager.close();
  }
}
