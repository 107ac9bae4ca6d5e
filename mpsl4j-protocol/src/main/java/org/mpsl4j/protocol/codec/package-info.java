/**
 * The lossy tensor codecs of the cut layer (float16, bfloat16, int8 per row, top-k), one class each behind
 * {@link org.mpsl4j.protocol.codec.WireCodec}; {@link org.mpsl4j.protocol.TensorCodec} dispatches to them
 * and {@link org.mpsl4j.protocol.CodecSpec} names and negotiates them.
 */
package org.mpsl4j.protocol.codec;
