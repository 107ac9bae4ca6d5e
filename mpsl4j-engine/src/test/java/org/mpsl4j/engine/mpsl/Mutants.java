package org.mpsl4j.engine.mpsl;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.mpsl4j.protocol.v1.Activations;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.Codec;
import org.mpsl4j.protocol.v1.DType;
import org.mpsl4j.protocol.v1.InputActivation;
import org.mpsl4j.protocol.v1.Tensor;

/** Building blocks of hostile messages: tensors with a chosen flaw, and edits of real messages. */
final class Mutants {
  private Mutants() {}

  /** A well-formed float32 tensor of small random values. */
  static Tensor floats(Random rng, long... shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    ByteBuffer b = ByteBuffer.allocate((int) n * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      b.putFloat((float) rng.nextGaussian());
    }
    b.flip();
    Tensor.Builder t = Tensor.newBuilder().setDtype(DType.FLOAT32).setCodec(Codec.RAW).setData(ByteString.copyFrom(b));
    for (long d : shape) {
      t.addShape(d);
    }
    return t.build();
  }

  /** {@code t} with another shape and as many zero bytes as that shape needs in {@code dtype}. */
  static Tensor reshaped(Tensor t, DType dtype, long... shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    Tensor.Builder b = t.toBuilder().setDtype(dtype).clearShape()
        .setData(ByteString.copyFrom(new byte[(int) n * (dtype == DType.INT64 ? 8 : 4)]));
    for (long d : shape) {
      b.addShape(d);
    }
    return b.build();
  }

  /** {@code t} with only its shape field replaced (data unchanged). */
  static Tensor shapeOnly(Tensor t, long... shape) {
    Tensor.Builder b = t.toBuilder().clearShape();
    for (long d : shape) {
      b.addShape(d);
    }
    return b.build();
  }

  /** {@code t} with element {@code index} (mod its size) set to {@code v}. */
  static Tensor withValue(Tensor t, int index, float v) {
    byte[] data = t.getData().toByteArray();
    int i = Math.floorMod(index, Math.max(1, data.length / 4)) * 4;
    ByteBuffer.wrap(data, i, 4).order(ByteOrder.LITTLE_ENDIAN).putFloat(v);
    return t.toBuilder().setData(ByteString.copyFrom(data)).build();
  }

  /** The shape of {@code t} as an array. */
  static long[] shape(Tensor t) {
    return t.getShapeList().stream().mapToLong(Long::longValue).toArray();
  }

  /** {@code m} (Activations or EvalActivations) with input {@code i} edited. */
  static ClientMessage editInput(ClientMessage m, int i, UnaryOperator<InputActivation.Builder> edit) {
    Activations a = m.hasActivations() ? m.getActivations() : m.getEvalActivations();
    Activations.Builder b = a.toBuilder();
    b.setInputs(i, edit.apply(a.getInputs(i).toBuilder()));
    return m.hasActivations() ? m.toBuilder().setActivations(b).build() : m.toBuilder().setEvalActivations(b).build();
  }

  /** {@code m} with its activations' input list replaced. */
  static ClientMessage editInputs(ClientMessage m, UnaryOperator<Activations.Builder> edit) {
    Activations a = m.hasActivations() ? m.getActivations() : m.getEvalActivations();
    Activations.Builder b = edit.apply(a.toBuilder());
    return m.hasActivations() ? m.toBuilder().setActivations(b).build() : m.toBuilder().setEvalActivations(b).build();
  }
}
