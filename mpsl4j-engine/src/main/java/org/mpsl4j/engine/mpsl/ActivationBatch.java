package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
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
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.TensorLimits;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.Codec;
import org.mpsl4j.protocol.v1.ErrorCode;
import org.mpsl4j.protocol.v1.InputActivation;
import org.mpsl4j.protocol.v1.Tensor;

/**
 * Turns the activation messages of one step into the server's input: each client's message checked
 * (inputs, shapes, masks) and its values decoded into {@link CutActivations}; the values of all
 * clients are checked at once. A client whose message fails any check gets an Error and is left out
 * of the step.
 *
 * <p>RAW values (the default codec) are not decoded one message at a time: after every message's
 * header passed its checks, each input's values of all clients are copied into one native tensor (one
 * allocation, one bulk copy per message; {@link TensorCodec#decodeJoined}) and each client gets a view
 * of its rows. At 1,000 clients of one sample this replaces 1,000 native allocations per input and
 * step, and the concatenation the value check needed, by one (docs/BENCHMARKS.md, B2).
 */
final class ActivationBatch {
  /** For a RAW message that already passed its checks: no second bound, values checked with the others'. */
  private static final TensorLimits CHECKED = new TensorLimits(8, Long.MAX_VALUE, false);
  private final ModelConfig model;
  private final int maxBatch;
  private final TensorLimits limits;
  private final TensorLimits evalLimits;

  /**
   * One client's checked inputs: per input either its RAW values message (copied later, joined with the
   * other clients') or its values decoded now (a lossy codec), and its mask or null.
   */
  private record Checked(Session session, int batch, List<Tensor> raw, List<NDArray> decoded, List<NDArray> masks,
      String what) {}

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
    List<Checked> checked = new ArrayList<>();
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
        checked.add(check(s, step, (eval ? msg.getEvalActivations() : msg.getActivations()).getInputsList(), scope,
            batchLimit));
      } catch (MalformedTensorException e) {
        missed.add(s.clientId);
        s.error(step, ErrorCode.MALFORMED_TENSOR, e.getMessage());
      }
    }
    if (checked.isEmpty()) {
      return new Arrivals<>(List.of(), missed);
    }
    int inputs = model.tokenizers().size();
    List<List<NDArray>> values = new ArrayList<>(); // per input, per client: its rows
    boolean valuesOk = true;
    for (int m = 0; m < inputs; m++) {
      NDArray joined = joinedValues(checked, m, scope);
      // The values of all clients are checked at once (finite, within ±MAX_ABS_VALUE): one reduction per
      // input and step. Only when that fails is each client checked, to reject exactly the ones that sent bad values.
      valuesOk &= ClientTensors.valuesOk(joined);
      values.add(rowsOf(joined, checked));
    }
    List<CutActivations> out = new ArrayList<>();
    for (int c = 0; c < checked.size(); c++) {
      Checked d = checked.get(c);
      try {
        List<Tokens> tokens = new ArrayList<>();
        for (int m = 0; m < inputs; m++) {
          NDArray v = values.get(m).get(c);
          if (!valuesOk) {
            ClientTensors.checkValues(v, d.what());
          }
          tokens.add(new Tokens(v, d.masks().get(m)));
        }
        out.add(new CutActivations(d.session().clientId, d.batch(), tokens));
      } catch (MalformedTensorException e) {
        missed.add(d.session().clientId);
        d.session().error(step, ErrorCode.MALFORMED_TENSOR, e.getMessage());
      }
    }
    return new Arrivals<>(out, missed);
  }

  /**
   * Input {@code m}'s values of all checked clients, joined in their order: copied straight from the
   * messages when all are RAW; else the RAW ones decoded one by one and joined with the decoded lossy ones.
   */
  private static NDArray joinedValues(List<Checked> checked, int m, NDManager scope) {
    List<Tensor> raw = new ArrayList<>();
    for (Checked d : checked) {
      if (d.raw().get(m) != null) {
        raw.add(d.raw().get(m));
      }
    }
    if (raw.size() == checked.size()) {
      return TensorCodec.decodeJoined(raw, scope);
    }
    List<NDArray> parts = new ArrayList<>();
    for (Checked d : checked) {
      Tensor t = d.raw().get(m);
      parts.add(t != null ? TensorCodec.decode(t, scope, CHECKED, d.what()) : d.decoded().get(m));
    }
    return CutBatch.concat(parts);
  }

  /** Each checked client's rows of {@code joined} (the array itself for a single client). */
  private static List<NDArray> rowsOf(NDArray joined, List<Checked> checked) {
    if (checked.size() == 1) {
      return List.of(joined);
    }
    List<NDArray> rows = new ArrayList<>(checked.size());
    long row = 0;
    for (Checked d : checked) {
      rows.add(joined.get(new NDIndex().addSliceDim(row, row + d.batch())));
      row += d.batch();
    }
    return rows;
  }

  /** Checks one client's activations message; RAW values are left in the message, lossy ones decoded. */
  private Checked check(Session s, long step, List<InputActivation> inputs, NDManager scope, int maxBatch) {
    List<TokenizerSpec> specs = model.tokenizers();
    String who = "client '" + s.clientId + "' step " + step + " activations";
    if (inputs.size() != specs.size()) {
      throw new MalformedTensorException("client '" + s.clientId + "' step " + step + ": " + inputs.size()
          + " activations but the model has " + specs.size() + " inputs");
    }
    TensorLimits bounds = maxBatch > this.maxBatch ? evalLimits : limits;
    List<Tensor> raw = new ArrayList<>();
    List<NDArray> decoded = new ArrayList<>();
    List<NDArray> masks = new ArrayList<>();
    long batch = -1;
    for (int m = 0; m < specs.size(); m++) {
      TokenizerSpec spec = specs.get(m);
      InputActivation a = inputs.get(m);
      String what = who + " of '" + spec.input() + "'";
      if (!a.getInput().equals(spec.input())) {
        throw new MalformedTensorException(what + ": got input '" + a.getInput() + "' in its place");
      }
      Shape shape;
      if (!s.codecUp().lossy() && a.getValues().getCodec() == Codec.RAW) {
        shape = ClientTensors.checkRaw(a.getValues(), bounds, what); // copied with the others' once all passed
        raw.add(a.getValues());
        decoded.add(null);
      } else {
        NDArray v = ClientTensors.decodeUnchecked(a.getValues(), scope, bounds, what, s.codecUp());
        shape = v.getShape();
        raw.add(null);
        decoded.add(v);
      }
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
        mask = ClientTensors.decode(a.getMask(), scope, bounds, what + " mask");
        if (!mask.getShape().equals(new Shape(batch, spec.tokens()))) {
          throw new MalformedTensorException(what + ": mask shape " + mask.getShape() + " but (" + batch + ", "
              + spec.tokens() + ") is required");
        }
        if (mask.neq(0f).logicalAnd(mask.neq(1f)).any().getBoolean()) {
          throw new MalformedTensorException(what + ": mask values must be 0 or 1");
        }
      }
      masks.add(mask);
    }
    return new Checked(s, (int) batch, raw, decoded, masks, who);
  }
}
