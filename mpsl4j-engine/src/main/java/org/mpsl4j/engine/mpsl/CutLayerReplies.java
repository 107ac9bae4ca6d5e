package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.mpsl4j.core.cut.CutGradient;
import org.mpsl4j.core.cut.CutOutputs;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.v1.CutGrad;
import org.mpsl4j.protocol.v1.Outputs;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.Tensor;

/**
 * What the server sends each client of a step over gRPC: its rows of the head outputs, and its rows
 * of the cut-layer gradient. RAW tensors are copied out of native memory once per shared array and
 * step, and every client's message wraps its range of that copy.
 */
final class CutLayerReplies {
  private CutLayerReplies() {}

  /** Training outputs carry B (for the weight bᵢ/B); evaluation outputs carry the client's own count. */
  static void sendOutputs(long step, List<CutOutputs> outputs, Map<String, Session> sessions, boolean eval) {
    Map<NDArray, Rows> rows = new IdentityHashMap<>();
    for (CutOutputs o : outputs) {
      rows.computeIfAbsent(o.all(), Rows::new).add(o.row(), o.batch());
    }
    for (CutOutputs o : outputs) {
      Session s = sessions.get(o.client());
      Outputs.Builder b = Outputs.newBuilder().setValues(rows.get(o.all()).encoded(o.row()))
          .setTotalBatch(eval ? o.batch() : o.totalBatch());
      ServerMessage.Builder m = ServerMessage.newBuilder().setSessionId(s.id).setStep(step);
      s.send((eval ? m.setEvalOutputs(b) : m.setOutputs(b)).build());
    }
  }

  /**
   * Each client's rows of ∂L/∂A for every input, in the session's negotiated codec. Top-k gradients go
   * without error feedback: a residual would be per-client server state that outlives the step (and
   * must survive reconnects), which the server deliberately does not keep (docs/CODECS.md).
   */
  static void sendCutGrads(long step, List<CutGradient> gradients, Map<String, Session> sessions) {
    Map<NDArray, Rows> raw = new IdentityHashMap<>();
    for (CutGradient g : gradients) {
      if (!sessions.get(g.client()).codecDown().lossy()) {
        for (NDArray a : g.all()) {
          raw.computeIfAbsent(a, Rows::new).add(g.row(), g.batch());
        }
      }
    }
    for (CutGradient g : gradients) {
      Session s = sessions.get(g.client());
      CutGrad.Builder cg = CutGrad.newBuilder();
      for (int m = 0; m < g.inputs(); m++) {
        cg.addGrads(s.codecDown().lossy() ? TensorCodec.encode(g.values(m), s.codecDown())
            : raw.get(g.all().get(m)).encoded(g.row()));
      }
      s.send(ServerMessage.newBuilder().setSessionId(s.id).setStep(step).setCutGrad(cg).build());
    }
  }

  /** Row ranges of one shared array, encoded together (one copy out of native memory) on first use. */
  private static final class Rows {
    private final NDArray all;
    private final List<int[]> ranges = new ArrayList<>();
    private Map<Integer, Tensor> byRow;

    Rows(NDArray all) {
      this.all = all;
    }

    void add(int row, int batch) {
      ranges.add(new int[] {row, batch});
    }

    Tensor encoded(int row) {
      if (byRow == null) {
        byRow = new java.util.HashMap<>();
        ranges.sort((a, b) -> Integer.compare(a[0], b[0]));
        List<Integer> parts = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        int at = 0;
        for (int[] r : ranges) {
          if (r[0] > at) {
            parts.add(r[0] - at); // rows of clients that get nothing: encoded with the rest, not sent
            starts.add(-1);
          }
          parts.add(r[1]);
          starts.add(r[0]);
          at = r[0] + r[1];
        }
        long rows = all.getShape().get(0);
        if (at < rows) {
          parts.add((int) (rows - at));
          starts.add(-1);
        }
        List<Tensor> encoded = TensorCodec.encodeRows(all, parts.stream().mapToInt(Integer::intValue).toArray());
        for (int i = 0; i < starts.size(); i++) {
          if (starts.get(i) >= 0) {
            byRow.put(starts.get(i), encoded.get(i));
          }
        }
      }
      return byRow.get(row);
    }
  }
}
