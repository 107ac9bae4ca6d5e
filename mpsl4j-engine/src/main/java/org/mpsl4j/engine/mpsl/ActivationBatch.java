package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.mpsl4j.core.cut.CutActivations;
import org.mpsl4j.core.cut.CutBatch;
import org.mpsl4j.core.port.Arrivals;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.model.tokenizer.Tokens;
import org.mpsl4j.protocol.MalformedTensorException;
import org.mpsl4j.protocol.TensorLimits;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.ErrorCode;
import org.mpsl4j.protocol.v1.InputActivation;

/**
 * Turns the activation messages of one step into the server's input: each client's tensors decoded
 * and checked (inputs, shapes, masks; values for the whole step at once) into {@link CutActivations}. A client whose message fails any check gets an Error and is left out of the step.
 */
final class ActivationBatch {
  private final ModelConfig model;
  private final int maxBatch;
  private final TensorLimits limits;
  private final TensorLimits evalLimits;

  /** One client's decoded inputs ({values, mask or null} per input) and its batch size. */
  private record Decoded(Session session, int batch, List<NDArray[]> inputs, String what) {}

  ActivationBatch(ModelConfig model, int maxBatch, TensorLimits limits, TensorLimits evalLimits) {
    this.model = model;
    this.maxBatch = maxBatch;
    this.limits = limits;
    this.evalLimits = evalLimits;
  }

  /**
   * The activations of the clients whose message passed every check, in the order of {@code expected}.
   *
   * @param replies the answers that arrived in time (activations or NoData)
   * @param eval personalized-evaluation activations (larger limits)
   */
  Arrivals<CutActivations> decode(long step, List<Session> expected, Map<Session, ClientMessage> replies,
      NDManager scope, boolean eval, int batchLimit) {
    List<Decoded> decodedAll = new ArrayList<>();
    List<String> missed = new ArrayList<>();
    for (Session s : expected) {
      ClientMessage msg = replies.get(s);
      if (msg == null) {
        missed.add(s.clientId);
      }
      if (msg == null || msg.hasNoData()) {
        continue;
      }
      try {
        List<NDArray[]> decoded = decodeActivations(s, step,
            (eval ? msg.getEvalActivations() : msg.getActivations()).getInputsList(), scope, batchLimit);
        decodedAll.add(new Decoded(s, (int) decoded.get(0)[0].getShape().get(0), decoded,
            "client '" + s.clientId + "' step " + step + " activations"));
      } catch (MalformedTensorException e) {
        missed.add(s.clientId);
        s.error(step, ErrorCode.MALFORMED_TENSOR, e.getMessage());
      }
    }
    // The values of all clients are checked at once (finite, within ±MAX_ABS_VALUE): one reduction per
    // input and step instead of several native calls per client. Only when that fails is each client
    // checked, to reject exactly the ones that sent bad values.
    if (!valuesOk(decodedAll)) {
      List<Decoded> good = new ArrayList<>();
      for (Decoded d : decodedAll) {
        try {
          for (NDArray[] input : d.inputs()) {
            ClientTensors.checkValues(input[0], d.what());
          }
          good.add(d);
        } catch (MalformedTensorException e) {
          missed.add(d.session().clientId);
          d.session().error(step, ErrorCode.MALFORMED_TENSOR, e.getMessage());
        }
      }
      decodedAll = good;
    }
    List<CutActivations> out = new ArrayList<>();
    for (Decoded d : decodedAll) {
      List<Tokens> tokens = new ArrayList<>();
      for (NDArray[] input : d.inputs()) {
        tokens.add(new Tokens(input[0], input[1]));
      }
      out.add(new CutActivations(d.session().clientId, d.batch(), tokens));
    }
    return new Arrivals<>(out, missed);
  }

  private List<NDArray[]> decodeActivations(Session s, long step, List<InputActivation> inputs, NDManager scope,
      int maxBatch) {
    List<TokenizerSpec> specs = model.tokenizers();
    if (inputs.size() != specs.size()) {
      throw new MalformedTensorException("client '" + s.clientId + "' step " + step + ": " + inputs.size()
          + " activations but the model has " + specs.size() + " inputs");
    }
    List<NDArray[]> out = new ArrayList<>();
    long batch = -1;
    for (int m = 0; m < specs.size(); m++) {
      TokenizerSpec spec = specs.get(m);
      InputActivation a = inputs.get(m);
      String what = "client '" + s.clientId + "' step " + step + " activations of '" + spec.input() + "'";
      if (!a.getInput().equals(spec.input())) {
        throw new MalformedTensorException(what + ": got input '" + a.getInput() + "' in its place");
      }
      NDArray v = ClientTensors.decodeUnchecked(a.getValues(), scope, maxBatch > this.maxBatch ? evalLimits : limits,
          what, s.codecUp()); // values checked for the whole step in decode
      Shape shape = v.getShape();
      if (shape.dimension() != 3 || shape.get(1) != spec.tokens() || shape.get(2) != model.encoder().width()
          || shape.get(0) > maxBatch || (batch >= 0 && shape.get(0) != batch)) {
        throw new MalformedTensorException(what + ": shape " + shape + " but (b ≤ " + maxBatch + ", " + spec.tokens()
            + ", " + model.encoder().width() + ") with one b for all inputs is required");
      }
      batch = shape.get(0);
      NDArray mask = null;
      if (a.hasMask()) {
        if (spec.kind() != org.mpsl4j.model.TokenizerKind.TEXT) {
          throw new MalformedTensorException(what + ": a padding mask is only for text inputs");
        }
        mask = ClientTensors.decode(a.getMask(), scope, maxBatch > this.maxBatch ? evalLimits : limits, what + " mask");
        if (!mask.getShape().equals(new Shape(batch, spec.tokens()))) {
          throw new MalformedTensorException(what + ": mask shape " + mask.getShape() + " but (" + batch + ", "
              + spec.tokens() + ") is required");
        }
        if (mask.neq(0f).logicalAnd(mask.neq(1f)).any().getBoolean()) {
          throw new MalformedTensorException(what + ": mask values must be 0 or 1");
        }
      }
      out.add(new NDArray[] {v, mask});
    }
    return out;
  }


  /** Whether every client's values pass the value check, tested on all of them joined (one reduction per input). */
  private boolean valuesOk(List<Decoded> decoded) {
    if (decoded.isEmpty()) {
      return true;
    }
    for (int m = 0; m < model.tokenizers().size(); m++) {
      int input = m;
      if (!ClientTensors.valuesOk(CutBatch.concat(decoded.stream().map(d -> d.inputs().get(input)[0]).toList()))) {
        return false;
      }
    }
    return true;
  }
}
