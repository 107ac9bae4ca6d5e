package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mpsl4j.protocol.CodecSpec;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.TensorLimits;
import org.mpsl4j.protocol.v1.Tensor;

/** Top-k with error feedback loses nothing for good: Σ sent + residual = Σ activations, step after step. */
final class ErrorFeedbackTest {
  private static final CodecSpec TOPK = CodecSpec.parse("topk:0.05");
  private NDManager manager;

  @BeforeEach
  void setUp() {
    manager = NDManager.newBaseManager();
    manager.getEngine().setRandomSeed(11);
  }

  @AfterEach
  void tearDown() {
    manager.close();
  }

  private NDArray decode(Tensor t) {
    return TensorCodec.decode(t, manager, TensorLimits.lenient(), "sent", TOPK);
  }

  @Test
  void sumOfSentPlusResidual_equalsSumOfInputs() {
    Shape shape = new Shape(2, 5, 16);
    try (ErrorFeedback ef = new ErrorFeedback(manager, TOPK)) {
      NDArray inputs = manager.zeros(shape);
      NDArray sent = manager.zeros(shape);
      float droppedWithoutFeedback = 0;
      for (int step = 0; step < 30; step++) {
        NDArray x = manager.randomNormal(shape);
        inputs = inputs.add(x);
        droppedWithoutFeedback += x.sub(decode(TensorCodec.encode(x, TOPK))).abs().sum().getFloat();
        sent = sent.add(decode(ef.encode(0, x, manager)));
        NDArray balance = sent.add(ef.residual(0)).sub(inputs);
        assertThat(balance.abs().max().getFloat()).as("step %d", step).isLessThan(1e-4f);
      }
      // Feedback keeps the carried error bounded: far below what plain top-k drops over the same steps
      // (there every step's 95 % is gone for good).
      assertThat(ef.residual(0).abs().sum().getFloat()).isLessThan(0.5f * droppedWithoutFeedback);
    }
  }

  @Test
  void firstStep_residualIsExactlyWhatTopKDropped() {
    try (ErrorFeedback ef = new ErrorFeedback(manager, TOPK)) {
      NDArray x = manager.randomNormal(new Shape(3, 4, 8));
      NDArray sent = decode(ef.encode(0, x, manager));
      assertThat(ef.residual(0).toFloatArray()).containsExactly(x.sub(sent).toFloatArray());
      assertThat(sent.neq(0f).sum().getLong()).isEqualTo(5); // ceil(0.05 · 96)
    }
  }

  @Test
  void batchOfAnotherShape_bypassesFeedback_andLeavesTheResidualForTheNextFullBatch() {
    try (ErrorFeedback ef = new ErrorFeedback(manager, TOPK)) {
      ef.encode(0, manager.randomNormal(new Shape(4, 3, 8)), manager);
      float[] carried = ef.residual(0).toFloatArray();
      NDArray shortBatch = manager.randomNormal(new Shape(1, 3, 8));
      NDArray sent = decode(ef.encode(0, shortBatch, manager));
      // Sent as plain top-k of the short batch itself; the full-size residual is untouched.
      assertThat(sent.toFloatArray()).containsExactly(decode(TensorCodec.encode(shortBatch, TOPK)).toFloatArray());
      assertThat(ef.residual(0).toFloatArray()).containsExactly(carried);
      // Inputs are independent: input 1 has no residual yet.
      assertThat(ef.residual(1)).isNull();
    }
  }
}
