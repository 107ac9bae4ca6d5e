package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.List;
import org.mpsl4j.model.tokenizer.Tokens;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.v1.CutGrad;
import org.mpsl4j.protocol.v1.Outputs;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.Tensor;

/**
 * What the server sends each contributor of a step: its rows of the head outputs, and its rows of
 * the cut-layer gradient. Rows go out in contribution order. RAW tensors are copied out of native
 * memory once per step and every client's message wraps its range of that copy.
 */
final class CutLayerReplies {
  private CutLayerReplies() {}

  /**
   * Training outputs carry the step's total batch B (for the weight bᵢ/B); evaluation outputs carry
   * the client's own count.
   */
  static void sendOutputs(long step, StepPhases.Gathered up, NDArray outputs, int total, boolean eval) {
    List<StepPhases.Contribution> contributors = up.contributors();
    List<Tensor> parts = TensorCodec.encodeRows(outputs, batches(contributors));
    for (int i = 0; i < contributors.size(); i++) {
      StepPhases.Contribution c = contributors.get(i);
      Outputs.Builder o = Outputs.newBuilder().setValues(parts.get(i)).setTotalBatch(eval ? c.batch() : total);
      ServerMessage.Builder m = ServerMessage.newBuilder().setSessionId(c.session().id).setStep(step);
      c.session().send((eval ? m.setEvalOutputs(o) : m.setOutputs(o)).build());
    }
  }

  /**
   * Each contributor's rows of ∂L/∂A for every input, in the session's negotiated codec. Top-k
   * gradients go without error feedback: a residual would be per-client server state that outlives
   * the step (and must survive reconnects), which the server deliberately does not keep (docs/CODECS.md).
   */
  static void sendCutGrads(long step, StepPhases.Gathered up) {
    List<StepPhases.Contribution> contributors = up.contributors();
    int[] batches = batches(contributors);
    boolean anyRaw = contributors.stream().anyMatch(c -> !c.session().codecDown().lossy());
    List<NDArray> grads = new ArrayList<>();
    List<List<Tensor>> rawParts = new ArrayList<>();
    for (Tokens t : up.tokens()) {
      NDArray g = t.values().getGradient();
      grads.add(g);
      rawParts.add(anyRaw ? TensorCodec.encodeRows(g, batches) : null);
    }
    int row = 0;
    for (int i = 0; i < contributors.size(); i++) {
      StepPhases.Contribution c = contributors.get(i);
      CutGrad.Builder cg = CutGrad.newBuilder();
      for (int m = 0; m < grads.size(); m++) {
        cg.addGrads(c.session().codecDown().lossy()
            ? TensorCodec.encode(grads.get(m).get(new NDIndex("{}:{}", row, row + c.batch())), c.session().codecDown())
            : rawParts.get(m).get(i));
      }
      c.session().send(ServerMessage.newBuilder().setSessionId(c.session().id).setStep(step).setCutGrad(cg).build());
      row += c.batch();
    }
  }

  private static int[] batches(List<StepPhases.Contribution> contributors) {
    return contributors.stream().mapToInt(StepPhases.Contribution::batch).toArray();
  }
}
