package org.mpsl4j.protocol.codec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.protobuf.ByteString;
import org.mpsl4j.protocol.v1.Codec;

/**
 * One lossy packing of a float32 tensor's values. The tensor message keeps dtype FLOAT32 and the logical
 * shape, so a codec never changes metadata; {@link org.mpsl4j.protocol.TensorCodec} validates rank, shape and
 * element count before it calls {@link #decode}, and checks the decoded values for NaN/Inf afterwards.
 * Implementations are stateless and thread-safe; they work with native tensor ops and bulk copies only.
 */
public interface WireCodec {
  /** The wire enum this codec writes into {@code Tensor.codec}. */
  Codec id();

  /** The payload of a float32 tensor of any shape; temporaries are freed before it returns. */
  ByteString encode(NDArray values);

  /**
   * Rebuilds a float32 tensor of {@code shape} (already checked against the receiver's limits) in
   * {@code manager}.
   *
   * @param what names the tensor in error messages
   * @throws org.mpsl4j.protocol.MalformedTensorException if the payload does not fit {@code shape} or
   *     carries an invalid field (length, scale, index, k)
   */
  NDArray decode(ByteString data, Shape shape, NDManager manager, String what);
}
