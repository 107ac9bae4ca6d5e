package org.mpsl4j.engine.baselines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.protocol.MalformedTensorException;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.TensorLimits;
import org.mpsl4j.protocol.v1.NamedTensor;
import org.mpsl4j.protocol.v1.ParameterSet;

/**
 * Named parameters ↔ the wire's {@code ParameterSet}: what travels in {@code global_model} and
 * {@code model_update}. Decoding checks names and shapes against the receiving model, so a
 * mismatched upload is refused with a message that names the parameter.
 */
public final class ParameterSets {
  private ParameterSets() {}

  public static ParameterSet encode(Map<String, Parameter> parameters, long samples) {
    return builder(parameters, samples).build();
  }

  /** A model update that also reports the mean training loss of the local epoch(s) it was trained in. */
  public static ParameterSet encode(Map<String, Parameter> parameters, long samples, double trainLoss) {
    return builder(parameters, samples).setTrainLoss((float) trainLoss).build();
  }

  private static ParameterSet.Builder builder(Map<String, Parameter> parameters, long samples) {
    ParameterSet.Builder b = ParameterSet.newBuilder().setSamples((int) Math.min(samples, Integer.MAX_VALUE));
    for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
      b.addParameters(NamedTensor.newBuilder().setName(e.getKey()).setTensor(TensorCodec.encode(e.getValue().array())));
    }
    return b;
  }

  /**
   * Decodes into arrays owned by {@code scope}.
   *
   * @param expected the receiving model's parameters: names and shapes must match exactly
   * @throws MalformedTensorException if they do not
   */
  public static Map<String, NDArray> decode(ParameterSet set, Map<String, Parameter> expected, NDManager scope,
      String who) {
    Map<String, NDArray> out = new LinkedHashMap<>();
    for (NamedTensor t : set.getParametersList()) {
      Parameter p = expected.get(t.getName());
      if (p == null) {
        throw new MalformedTensorException(who + ": unknown parameter '" + t.getName() + "'; expected " + expected.keySet());
      }
      NDArray a = TensorCodec.decode(t.getTensor(), scope, TensorLimits.lenient(), who + " parameter '" + t.getName() + "'");
      if (!a.getShape().equals(p.shape())) {
        throw new MalformedTensorException(who + ": parameter '" + t.getName() + "' has shape " + a.getShape()
            + " but the model needs " + p.shape());
      }
      out.put(t.getName(), a);
    }
    if (!out.keySet().equals(expected.keySet())) {
      throw new MalformedTensorException(who + ": sent parameters " + out.keySet() + " but the model has " + expected.keySet());
    }
    return out;
  }

  /** Overwrites {@code into} with the set's values (after {@link #decode}'s checks). */
  public static void load(ParameterSet set, Map<String, Parameter> into, NDManager scope, String who) {
    copy(decode(set, into, scope, who), into);
  }

  /** Overwrites each parameter with the array of the same name. */
  public static void copy(Map<String, NDArray> values, Map<String, Parameter> into) {
    for (Map.Entry<String, Parameter> e : into.entrySet()) {
      NDArray v = values.get(e.getKey());
      if (v == null) {
        throw new IllegalArgumentException("no value for parameter '" + e.getKey() + "'");
      }
      e.getValue().copyFrom(v);
    }
  }

  /** Bytes of the values of these parameters (float32). */
  public static long bytes(Map<String, Parameter> parameters) {
    long n = 0;
    for (Parameter p : parameters.values()) {
      n += p.shape().size() * 4L;
    }
    return n;
  }
}
