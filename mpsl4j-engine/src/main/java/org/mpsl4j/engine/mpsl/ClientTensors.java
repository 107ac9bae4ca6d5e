package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.mpsl4j.protocol.CodecSpec;
import org.mpsl4j.protocol.MalformedTensorException;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.TensorLimits;
import org.mpsl4j.protocol.v1.DType;
import org.mpsl4j.protocol.v1.Tensor;

/** How the server reads a tensor a client sent: nothing is used before it passed every check here. */
final class ClientTensors {
  /** Largest magnitude accepted in a client tensor: far beyond normalized activations, gradients or weights. */
  static final float MAX_ABS_VALUE = 1e4f;

  private ClientTensors() {}

  /**
   * Decodes a client tensor: float32 only, within {@code limits}, finite and within ±{@value
   * #MAX_ABS_VALUE}. Any failure, whatever its cause, is a {@link MalformedTensorException}.
   */
  static NDArray decode(Tensor t, NDManager scope, TensorLimits limits, String what) {
    return decode(t, scope, limits, what, CodecSpec.RAW);
  }

  /**
   * As {@link #decode(Tensor, NDManager, TensorLimits, String)}, packed with the session's negotiated
   * {@code codec} (cut-layer activations); every other client tensor must be RAW.
   */
  static NDArray decode(Tensor t, NDManager scope, TensorLimits limits, String what, CodecSpec codec) {
    NDArray a = decodeUnchecked(t, scope, limits, what, codec);
    checkValues(a, what);
    return a;
  }

  /**
   * Decodes like {@link #decode(Tensor, NDManager, TensorLimits, String, CodecSpec)} but leaves the values
   * unchecked: for callers that check many clients' tensors at once with {@link #valuesOk} and call
   * {@link #checkValues} per tensor only when that fails. Nothing decoded here may be used before that.
   */
  static NDArray decodeUnchecked(Tensor t, NDManager scope, TensorLimits limits, String what, CodecSpec codec) {
    if (t.getDtype() != DType.FLOAT32) {
      throw new MalformedTensorException(what + ": dtype " + t.getDtype() + " but FLOAT32 is required");
    }
    TensorLimits shapeOnly = new TensorLimits(limits.maxRank(), limits.maxElements(), false);
    try {
      return TensorCodec.decode(t, scope, shapeOnly, what, codec);
    } catch (MalformedTensorException e) {
      throw e;
    } catch (RuntimeException e) { // e.g. a shape whose element count overflows a long
      throw new MalformedTensorException(what + ": cannot decode (" + e + ")");
    }
  }

  /**
   * Checks a RAW float32 client tensor's header like {@link #decodeUnchecked} (dtype, rank, dimensions,
   * {@code limits}, byte count) without decoding it, and returns its shape: for callers that copy many
   * clients' tensors into one ({@link TensorCodec#decodeJoined}) once all passed, then check the values.
   */
  static ai.djl.ndarray.types.Shape checkRaw(Tensor t, TensorLimits limits, String what) {
    if (t.getDtype() != DType.FLOAT32) {
      throw new MalformedTensorException(what + ": dtype " + t.getDtype() + " but FLOAT32 is required");
    }
    try {
      return TensorCodec.checkRaw(t, limits, what);
    } catch (MalformedTensorException e) {
      throw e;
    } catch (RuntimeException e) { // e.g. a shape whose element count overflows a long
      throw new MalformedTensorException(what + ": cannot decode (" + e + ")");
    }
  }

  /** Whether every value is finite and within ±{@value #MAX_ABS_VALUE}: one reduction (a NaN maximum fails). */
  static boolean valuesOk(NDArray a) {
    try (NDArray abs = a.abs(); NDArray max = abs.max()) {
      return max.getFloat() <= MAX_ABS_VALUE;
    }
  }

  /** Throws, naming {@code what} and the problem, unless every value is finite and within ±{@value #MAX_ABS_VALUE}. */
  static void checkValues(NDArray a, String what) {
    if (valuesOk(a)) {
      return;
    }
    try (NDArray nan = a.isNaN(); NDArray inf = a.isInfinite(); NDArray bad = nan.logicalOr(inf);
        NDArray any = bad.any()) {
      if (any.getBoolean()) {
        throw new MalformedTensorException(what + ": contains NaN or infinite values");
      }
    }
    throw new MalformedTensorException(what + ": values beyond ±" + MAX_ABS_VALUE);
  }
}
