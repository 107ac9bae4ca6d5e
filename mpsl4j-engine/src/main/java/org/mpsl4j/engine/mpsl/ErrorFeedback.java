package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.HashMap;
import java.util.Map;
import org.mpsl4j.protocol.CodecSpec;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.TensorLimits;
import org.mpsl4j.protocol.v1.Tensor;

/**
 * Error feedback for a lossy uplink (top-k activations), kept on the client per input: what a step's
 * message dropped is added to the next step's activations before they are compressed, so nothing is
 * lost for good: after any number of steps, Σ sent + residual = Σ activations.
 *
 * <p>A residual is position-wise (row i, token t, channel c), so it only fits a batch of its own shape.
 * A batch of another shape (the short last batch of an epoch) is sent without it, its own dropped part
 * is discarded, and the carried residual waits, untouched, for the next batch of its shape (the next
 * epoch's first batch). Evaluation uploads bypass error feedback entirely.
 *
 * <p>Not thread-safe (one client step at a time). {@link #close()} frees the residuals.
 */
final class ErrorFeedback implements AutoCloseable {
  private final NDManager residuals;
  private final CodecSpec codec;
  private final Map<Integer, NDArray> residual = new HashMap<>();

  ErrorFeedback(NDManager parent, CodecSpec codec) {
    this.residuals = parent.newSubManager();
    this.codec = codec;
  }

  /**
   * Encodes input {@code input}'s activations {@code values} with the residual added, and keeps as the new
   * residual what the message does not carry (the message decoded exactly as the server will).
   */
  Tensor encode(int input, NDArray values, NDManager scope) {
    NDArray carried = residual.get(input);
    if (carried != null && !carried.getShape().equals(values.getShape())) {
      return TensorCodec.encode(values, codec); // another shape: plain top-k, the residual waits for its shape
    }
    NDArray corrected = carried == null ? values : values.add(carried);
    Tensor t = TensorCodec.encode(corrected, codec);
    NDArray sent = TensorCodec.decode(t, scope, TensorLimits.lenient(), "own activations", codec);
    NDArray next = corrected.sub(sent);
    next.attach(residuals);
    if (carried != null) {
      carried.close();
    }
    residual.put(input, next);
    return t;
  }

  /** The residual carried for {@code input}, or null (tests). */
  NDArray residual(int input) {
    return residual.get(input);
  }

  @Override
  public void close() {
    residuals.close();
    residual.clear();
  }
}
