package org.mpsl4j.privacy.audit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.TensorLimits;
import org.mpsl4j.protocol.v1.Tensor;

/** Decodes recorded (RAW) tensors into plain arrays for the attacks. */
final class Wire {
  private Wire() {}

  static float[] values(Tensor t, NDManager scope) {
    return decode(t, scope).toFloatArray();
  }

  /** A 2-d tensor as rows. */
  static float[][] rows(Tensor t, NDManager scope) {
    NDArray a = decode(t, scope);
    int n = (int) a.getShape().get(0);
    int k = (int) (a.getShape().size() / Math.max(1, n));
    float[] flat = a.toFloatArray();
    float[][] out = new float[n][k];
    for (int i = 0; i < n; i++) {
      System.arraycopy(flat, i * k, out[i], 0, k);
    }
    return out;
  }

  private static NDArray decode(Tensor t, NDManager scope) {
    return TensorCodec.decode(t, scope, TensorLimits.lenient(), "recorded tensor");
  }
}
