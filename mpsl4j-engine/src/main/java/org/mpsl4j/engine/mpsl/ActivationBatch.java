package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.mpsl4j.model.Autograd;
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
 * and checked (inputs, shapes, masks; values for the whole step at once), one concatenated leaf per
 * input. A client whose message fails any check gets an Error and is left out of the step.
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
   * The step's contributors and their joined activations.
   *
   * @param replies the answers that arrived in time (activations or NoData)
   * @param eval personalized-evaluation activations: no gradient is recorded for them
   */
  StepPhases.Gathered join(long step, List<Session> expected, Map<Session, ClientMessage> replies, NDManager scope,
      boolean eval, int batchLimit) {
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
    // checked, to reject exactly the ones that sent bad values and build the step without them.
    List<NDArray> joined = joinValues(decodedAll);
    if (!joined.stream().allMatch(ClientTensors::valuesOk)) {
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
      joined = joinValues(decodedAll);
    }
    List<StepPhases.Contribution> contributors = new ArrayList<>();
    for (Decoded d : decodedAll) {
      contributors.add(new StepPhases.Contribution(d.session(), d.batch()));
    }
    List<Tokens> tokens = new ArrayList<>();
    for (int m = 0; m < joined.size(); m++) {
      int input = m;
      NDArray leaf = eval ? joined.get(m) : Autograd.leaf(joined.get(m));
      NDArray mask = ClientTensors.mixedMask(decodedAll.stream().map(d -> d.inputs().get(input)[1]).toList(),
          decodedAll.stream().map(d -> d.inputs().get(input)[0]).toList(), scope);
      tokens.add(new Tokens(leaf, mask));
    }
    int total = contributors.stream().mapToInt(StepPhases.Contribution::batch).sum();
    return new StepPhases.Gathered(contributors, tokens, total, missed);
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
          what, s.codecUp()); // values checked for the whole step in gatherActivations
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


  /** Per input, the clients' values joined along the batch: empty when no client contributed. */
  private List<NDArray> joinValues(List<Decoded> decoded) {
    List<NDArray> joined = new ArrayList<>();
    if (decoded.isEmpty()) {
      return joined;
    }
    for (int m = 0; m < model.tokenizers().size(); m++) {
      int input = m;
      joined.add(StepPhases.concat(decoded.stream().map(d -> d.inputs().get(input)[0]).toList()));
    }
    return joined;
  }
}
