package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.types.Shape;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.protocol.v1.Activations;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.Codec;
import org.mpsl4j.protocol.v1.DType;
import org.mpsl4j.protocol.v1.EvalReport;
import org.mpsl4j.protocol.v1.Hello;
import org.mpsl4j.protocol.v1.InputActivation;
import org.mpsl4j.protocol.v1.NamedTensor;
import org.mpsl4j.protocol.v1.NoData;
import org.mpsl4j.protocol.v1.OutputGrad;
import org.mpsl4j.protocol.v1.ParameterSet;
import org.mpsl4j.protocol.v1.Tensor;
import org.mpsl4j.protocol.v1.TokenizerWeights;

/**
 * Seeded generator of hostile ClientMessages. Every tensor-bearing message it makes has at least one
 * flaw the server must catch (so none of them may ever be applied), and every Hello it makes for a
 * fresh stream carries a wrong credential or setting; random bytes and random field soup add the
 * unplanned cases.
 */
final class Fuzzer {
  private final Random rng;
  private final ModelConfig model;
  private final Map<String, Shape> tokenizerShapes;
  private final int maxBatch;

  Fuzzer(long seed, ModelConfig model, Map<String, Shape> tokenizerShapes, int maxBatch) {
    this.rng = new Random(seed);
    this.model = model;
    this.tokenizerShapes = tokenizerShapes;
    this.maxBatch = maxBatch;
  }

  /** Well-formed activations of a random batch (the starting point of every mutant). */
  Activations validActivations(int batch) {
    Activations.Builder a = Activations.newBuilder();
    for (TokenizerSpec t : model.tokenizers()) {
      InputActivation.Builder ia = InputActivation.newBuilder().setInput(t.input())
          .setValues(Mutants.floats(rng, batch, t.tokens(), model.encoder().width()));
      if (t.kind() == org.mpsl4j.model.TokenizerKind.TEXT) {
        ia.setMask(Mutants.reshaped(Mutants.floats(rng, 1), DType.FLOAT32, batch, t.tokens())); // zeros
      }
      a.addInputs(ia);
    }
    return a.build();
  }

  /** Activations with one flaw (of 24 kinds); {@code eval} leaves out the flaw only training forbids (batch > max). */
  Activations badActivations(boolean eval) {
    int b = 1 + rng.nextInt(maxBatch);
    Activations a = validActivations(b);
    int i = rng.nextInt(a.getInputsCount());
    InputActivation in = a.getInputs(i);
    Tensor v = in.getValues();
    long[] s = Mutants.shape(v);
    int flaw = rng.nextInt(25);
    if (eval && flaw == 12) {
      flaw = 13;
    }
    InputActivation.Builder e = in.toBuilder();
    Activations.Builder out = a.toBuilder();
    switch (flaw) {
      case 0 -> e.setValues(Mutants.reshaped(v, DType.INT64, s));
      case 1 -> e.setValues(v.toBuilder().setDtype(DType.DTYPE_UNSPECIFIED));
      case 2 -> e.setValues(rng.nextBoolean() ? v.toBuilder().setCodec(Codec.CODEC_UNSPECIFIED) : v.toBuilder().setCodecValue(9));
      case 3 -> e.setValues(Mutants.withValue(v, rng.nextInt(), Float.NaN));
      case 4 -> e.setValues(Mutants.withValue(v, rng.nextInt(), rng.nextBoolean() ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY));
      case 5 -> e.setValues(Mutants.withValue(v, rng.nextInt(), (rng.nextBoolean() ? 1 : -1) * (float) Math.pow(10, 5 + rng.nextInt(33))));
      case 6 -> e.setValues(Mutants.reshaped(v, DType.FLOAT32, s[0], 0, s[2]));
      case 7 -> e.setValues(v.toBuilder().setShape(rng.nextInt(3), -1 - rng.nextInt(1000)));
      case 8 -> e.setValues(Mutants.shapeOnly(v, s[0], s[1], s[2], 1));
      case 9 -> e.setValues(v.toBuilder().clearShape());
      case 10 -> e.setValues(Mutants.reshaped(v, DType.FLOAT32, s[0], s[1] + (rng.nextBoolean() ? 1 : -1), s[2]));
      case 11 -> e.setValues(Mutants.reshaped(v, DType.FLOAT32, s[0], s[1], s[2] + 1));
      case 12 -> e.setValues(Mutants.reshaped(v, DType.FLOAT32, maxBatch + 1 + rng.nextInt(8), s[1], s[2]));
      case 13 -> e.setValues(Mutants.reshaped(v, DType.FLOAT32, b == 1 ? 2 : b - 1, s[1], s[2]));
      case 14 -> e.setValues(v.toBuilder().setData(rng.nextBoolean() ? v.getData().substring(1 + rng.nextInt(8))
          : v.getData().concat(ByteString.copyFrom(new byte[1 + rng.nextInt(8)]))));
      case 15 -> e.setValues(Mutants.shapeOnly(v, 1 + rng.nextInt(1 << 20), 1 << 20, s[2]));
      case 16 -> e.setValues(Mutants.shapeOnly(v, 2 + rng.nextInt(100), Long.MAX_VALUE / 2, s[2]));
      case 17 -> e.setInput(in.getInput() + "x");
      case 18 -> {
        out.setInputs(0, a.getInputs(1)).setInputs(1, a.getInputs(0));
        return out.build();
      }
      case 19 -> {
        return rng.nextBoolean() ? out.removeInputs(i).build() : out.addInputs(in).build();
      }
      case 20 -> {
        out.setInputs(0, a.getInputs(0).toBuilder().setMask(Mutants.reshaped(v, DType.FLOAT32, s[0], s[1])));
        return out.build();
      }
      case 21 -> {
        int t = textInput(a);
        Tensor m = a.getInputs(t).getMask();
        out.setInputs(t, a.getInputs(t).toBuilder().setMask(Mutants.withValue(m, rng.nextInt(), rng.nextBoolean() ? 0.5f : -1f)));
        return out.build();
      }
      case 22 -> {
        int t = textInput(a);
        out.setInputs(t, a.getInputs(t).toBuilder().setMask(Mutants.reshaped(v, DType.FLOAT32, s[0], s[1] + 1)));
        return out.build();
      }
      case 23 -> {
        int t = textInput(a);
        Tensor m = a.getInputs(t).getMask();
        out.setInputs(t, a.getInputs(t).toBuilder().setMask(Mutants.reshaped(m, DType.INT64, Mutants.shape(m))));
        return out.build();
      }
      default -> {
        int t = textInput(a);
        out.setInputs(t, a.getInputs(t).toBuilder().setMask(Mutants.withValue(a.getInputs(t).getMask(), rng.nextInt(), Float.NaN)));
        return out.build();
      }
    }
    return out.setInputs(i, e).build();
  }

  private static int textInput(Activations a) {
    for (int i = 0; i < a.getInputsCount(); i++) {
      if (a.getInputs(i).hasMask()) {
        return i;
      }
    }
    throw new IllegalStateException("the fuzz model needs a text input");
  }

  /** Tokenizer weights with one flaw (for a client that declared {@code declaredSamples}). */
  TokenizerWeights badTokenizerWeights(int declaredSamples) {
    TokenizerWeights.Builder w = TokenizerWeights.newBuilder().setSamples(1 + rng.nextInt(declaredSamples));
    List<String> names = new ArrayList<>(tokenizerShapes.keySet());
    int victim = rng.nextInt(names.size());
    int flaw = rng.nextInt(10);
    for (int k = 0; k < names.size(); k++) {
      String n = names.get(k);
      Tensor t = Mutants.floats(rng, tokenizerShapes.get(n).getShape());
      if (k == victim) {
        switch (flaw) {
          case 0 -> { continue; }
          case 1 -> w.addParameters(NamedTensor.newBuilder().setName(n + ".evil").setTensor(t));
          case 2 -> w.addParameters(NamedTensor.newBuilder().setName(n).setTensor(t));
          case 3 -> t = Mutants.reshaped(t, DType.FLOAT32, tokenizerShapes.get(n).size() + 1);
          case 4 -> t = Mutants.withValue(t, rng.nextInt(), Float.NaN);
          case 5 -> t = Mutants.withValue(t, rng.nextInt(), 3e30f);
          case 6 -> t = Mutants.reshaped(t, DType.INT64, tokenizerShapes.get(n).getShape());
          case 7 -> w.setSamples(0);
          case 8 -> w.setSamples(declaredSamples + 1 + rng.nextInt(1_000_000));
          default -> t = t.toBuilder().setCodecValue(3).build();
        }
      }
      w.addParameters(NamedTensor.newBuilder().setName(n).setTensor(t));
    }
    return w.build();
  }

  /** Anything at all for a session: the caller sets the session and step it wants. */
  ClientMessage.Builder anyBody() {
    ClientMessage.Builder m = ClientMessage.newBuilder();
    switch (rng.nextInt(10)) {
      case 0 -> m.setActivations(badActivations(false));
      case 1 -> m.setEvalActivations(badActivations(true));
      case 2 -> m.setNoData(NoData.getDefaultInstance());
      case 3 -> m.setOutputGrad(OutputGrad.newBuilder().setGrad(Mutants.floats(rng, 1 + rng.nextInt(maxBatch),
          model.head().outputs())).setLoss(rng.nextFloat()).setCorrect(rng.nextInt(3)));
      case 4 -> m.setTokenizerWeights(badTokenizerWeights(1));
      case 5 -> m.setEvalReport(EvalReport.newBuilder().setCorrect(rng.nextInt(5)).setTotal(rng.nextInt(5)));
      case 6 -> m.setModelUpdate(ParameterSet.newBuilder().setSamples(rng.nextInt(100)));
      case 7 -> m.setHello(Hello.newBuilder().setClientId("x" + rng.nextInt(100)));
      case 8 -> { } // no body
      default -> {
        return randomBytes();
      }
    }
    return m;
  }

  /** Random bytes read as a ClientMessage where they parse, random fields otherwise. */
  ClientMessage.Builder randomBytes() {
    byte[] b = new byte[rng.nextInt(64)];
    rng.nextBytes(b);
    try {
      return ClientMessage.parseFrom(b).toBuilder();
    } catch (InvalidProtocolBufferException e) {
      return ClientMessage.newBuilder().setSessionId(rng.nextLong()).setStep(rng.nextLong());
    }
  }

  /** The first message of a fresh stream: a Hello with one wrong credential or setting, or anything else. */
  ClientMessage freshStreamMessage(Hello valid) {
    if (rng.nextInt(10) >= 4) {
      return anyBody().setSessionId(rng.nextInt(3)).setStep(rng.nextInt(50)).clearHello().build();
    }
    Hello.Builder h = valid.toBuilder();
    switch (rng.nextInt(8)) {
      case 0 -> h.setToken(valid.getToken() + "?");
      case 1 -> h.setClientId("intruder-" + rng.nextInt(1000));
      case 2 -> h.setClientId("");
      case 3 -> h.setModelFingerprint(Long.toHexString(rng.nextLong()));
      case 4 -> h.clearInputs().addInputs("image");
      case 5 -> h.setBatchSize(rng.nextBoolean() ? 0 : maxBatch + 1 + rng.nextInt(100));
      case 6 -> h.setTrainSamples(0);
      default -> h.setToken("");
    }
    return ClientMessage.newBuilder().setHello(h).build();
  }

  Random random() {
    return rng;
  }
}
