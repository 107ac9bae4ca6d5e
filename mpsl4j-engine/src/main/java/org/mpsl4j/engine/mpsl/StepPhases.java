package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.mpsl4j.core.cut.CutActivations;
import org.mpsl4j.core.cut.CutOutputs;
import org.mpsl4j.core.cut.OutputGradient;
import org.mpsl4j.core.port.Arrivals;
import org.mpsl4j.core.port.Deadline;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.protocol.MalformedTensorException;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.TensorLimits;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.ErrorCode;
import org.mpsl4j.protocol.v1.NamedTensor;
import org.mpsl4j.protocol.v1.OutputGrad;

/**
 * The server's gathering phases over gRPC: activations, output gradients, tokenizer weights and
 * evaluation reports. Each waits ({@link ReplyCollector}) until every expected client answered or the
 * deadline passed, validates each answer (tensor shapes and values) and rejects whatever does not fit
 * with an Error to that client alone: a malformed message is never applied, and never stops the others.
 * What passes becomes a core record ({@link CutActivations}, {@link OutputGradient}).
 */
final class StepPhases {
  private final ReplyCollector collector;
  private final ModelConfig model;
  private final int maxBatch;
  private final TensorLimits limits;
  private final ActivationBatch activationBatch;
  private final Map<String, Shape> tokenizerShapes;

  StepPhases(ReplyCollector collector, ModelConfig model, int maxBatch, Map<String, Shape> tokenizerShapes) {
    this.collector = collector;
    this.tokenizerShapes = Map.copyOf(tokenizerShapes);
    this.model = model;
    this.maxBatch = maxBatch;
    long maxTokens = model.tokenizers().stream().mapToLong(TokenizerSpec::tokens).max().orElse(1);
    long maxElements = Math.max((long) maxBatch * maxTokens * model.encoder().width(),
        (long) maxBatch * model.head().outputs());
    this.limits = new TensorLimits(3, Math.max(maxElements, 1L << 24), true);
    TensorLimits evalLimits = new TensorLimits(3,
        (long) MessageLimits.MAX_EVAL_SAMPLES * maxTokens * model.encoder().width(), true);
    this.activationBatch = new ActivationBatch(model, maxBatch, limits, evalLimits);
  }

  Arrivals<CutActivations> gatherActivations(long step, List<Session> expected, NDManager scope, Deadline deadline)
      throws InterruptedException {
    Map<Session, ClientMessage> replies = collector.collect(step, expected, ClientMessage.BodyCase.ACTIVATIONS,
        deadline, true);
    return activationBatch.decode(step, expected, replies, scope, false, maxBatch);
  }

  /** The personalized-evaluation upload: activations of each client's local test share, no gradient. */
  Arrivals<CutActivations> gatherEvalActivations(long step, List<Session> expected, NDManager scope,
      Deadline deadline) throws InterruptedException {
    Map<Session, ClientMessage> replies = collector.collect(step, expected, ClientMessage.BodyCase.EVAL_ACTIVATIONS,
        deadline, true);
    return activationBatch.decode(step, expected, replies, scope, true, MessageLimits.MAX_EVAL_SAMPLES);
  }

  /**
   * The output gradients of the clients sent {@code outputs} (each must have its slice's shape, a loss
   * in range and at most its batch correct), in the order of {@code outputs}.
   */
  Arrivals<OutputGradient> gatherOutputGrads(long step, List<CutOutputs> outputs, Map<String, Session> sessions,
      NDManager scope, Deadline deadline) throws InterruptedException {
    List<Session> expected = outputs.stream().map(o -> sessions.get(o.client())).toList();
    Map<Session, ClientMessage> replies = collector.collect(step, expected, ClientMessage.BodyCase.OUTPUT_GRAD,
        deadline, false);
    // Each message's header, shape, loss and count are checked first; the gradients that pass are then copied
    // into one native tensor (one allocation and one bulk copy per message, not one native tensor each) and
    // each client gets a view of its rows. As for activations, the values are checked once for the whole step,
    // per client only when that fails.
    List<CutOutputs> passed = new ArrayList<>();
    List<org.mpsl4j.protocol.v1.Tensor> raw = new ArrayList<>();
    List<OutputGrad> messages = new ArrayList<>();
    List<String> missed = new ArrayList<>();
    for (CutOutputs o : outputs) {
      Session s = sessions.get(o.client());
      ClientMessage msg = replies.get(s);
      if (msg == null) {
        missed.add(o.client());
        continue;
      }
      OutputGrad og = msg.getOutputGrad();
      String what = outputGradWhat(s, step);
      try {
        Shape got = og.getGrad().getCodec() == org.mpsl4j.protocol.v1.Codec.RAW
            ? ClientTensors.checkRaw(og.getGrad(), limits, what)
            : ClientTensors.decodeUnchecked(og.getGrad(), scope, limits, what, org.mpsl4j.protocol.CodecSpec.RAW)
                .getShape(); // not RAW: throws, naming the codec
        Shape want = new Shape(o.batch(), o.all().getShape().get(1));
        if (!got.equals(want)) {
          throw new MalformedTensorException(what + ": shape " + got + " but " + want);
        }
        if (!(og.getLoss() >= 0 && og.getLoss() <= ClientTensors.MAX_ABS_VALUE) || og.getCorrect() > o.batch()) {
          throw new MalformedTensorException(what + ": loss " + og.getLoss() + ", correct " + og.getCorrect());
        }
        passed.add(o);
        raw.add(og.getGrad());
        messages.add(og);
      } catch (MalformedTensorException e) {
        missed.add(o.client());
        s.error(step, ErrorCode.MALFORMED_TENSOR, e.getMessage());
      }
    }
    if (passed.isEmpty()) {
      return new Arrivals<>(List.of(), missed);
    }
    NDArray joined = TensorCodec.decodeJoined(raw, scope);
    boolean valuesOk = ClientTensors.valuesOk(joined);
    List<OutputGradient> accepted = new ArrayList<>();
    long row = 0;
    for (int i = 0; i < passed.size(); i++) {
      CutOutputs o = passed.get(i);
      NDArray g = passed.size() == 1 ? joined : joined.get(new NDIndex().addSliceDim(row, row + o.batch()));
      row += o.batch();
      Session s = sessions.get(o.client());
      try {
        if (!valuesOk) {
          ClientTensors.checkValues(g, outputGradWhat(s, step));
        }
        accepted.add(new OutputGradient(o.client(), g, messages.get(i).getLoss(), messages.get(i).getCorrect()));
      } catch (MalformedTensorException e) {
        missed.add(o.client());
        s.error(step, ErrorCode.MALFORMED_TENSOR, e.getMessage());
      }
    }
    return new Arrivals<>(accepted, missed);
  }

  private static String outputGradWhat(Session s, long step) {
    return "client '" + s.clientId + "' step " + step + " output gradient";
  }

  /** Σ correct and Σ total of the EvalReports that arrive in time; a report over its count is rejected. */
  long[] gatherEvalReports(long step, List<CutActivations> eval, Map<String, Session> sessions, Deadline deadline)
      throws InterruptedException {
    List<Session> expected = eval.stream().map(a -> sessions.get(a.client())).toList();
    Map<Session, ClientMessage> replies = collector.collect(step, expected, ClientMessage.BodyCase.EVAL_REPORT,
        deadline, false);
    long correct = 0;
    long total = 0;
    for (CutActivations a : eval) {
      Session s = sessions.get(a.client());
      ClientMessage m = replies.get(s);
      if (m == null) {
        continue;
      }
      if (m.getEvalReport().getTotal() != a.batch() || m.getEvalReport().getCorrect() > a.batch()) {
        s.error(step, ErrorCode.UNEXPECTED_MESSAGE, "EvalReport of " + m.getEvalReport().getCorrect() + "/"
            + m.getEvalReport().getTotal() + " does not match the " + a.batch() + " samples evaluated");
        continue;
      }
      correct += m.getEvalReport().getCorrect();
      total += m.getEvalReport().getTotal();
    }
    return new long[] {correct, total};
  }

  /** The replies of one kind from {@code expected} that arrive before {@code deadline}, unchecked. */
  Map<Session, ClientMessage> collect(long step, List<Session> expected, ClientMessage.BodyCase kind,
      Deadline deadline) throws InterruptedException {
    return collector.collect(step, expected, kind, deadline, false);
  }

  /**
   * The clients' tokenizer uploads, each checked and handed to {@code each} one at a time: its arrays
   * live in a sub-manager of {@code scope} that is closed when {@code each} returns, and its message is
   * dropped, so what is held at once does not grow with the number of clients (at 1,000 clients an
   * epoch end would otherwise hold 1,000 decoded tokenizers). Returns how many were accepted.
   */
  int gatherTokenizerWeights(long step, List<Session> expected, NDManager scope, Deadline deadline,
      java.util.function.Consumer<TokenizerUpload> each) throws InterruptedException {
    return gatherTokenizerWeights(step, expected, scope, deadline, tokenizerShapes.keySet(), java.util.Set.of(), each);
  }

  /**
   * As above, for uploads that must name exactly {@code names} (shared tokenizer gradients: the trained parameters,
   * and the tables trained by rows), of which those in {@code byRows} must come by rows, whatever their size.
   */
  int gatherTokenizerWeights(long step, List<Session> expected, NDManager scope, Deadline deadline,
      java.util.Set<String> names, java.util.Set<String> byRows, java.util.function.Consumer<TokenizerUpload> each)
      throws InterruptedException {
    Map<Session, ClientMessage> replies = collector.collect(step, expected, ClientMessage.BodyCase.TOKENIZER_WEIGHTS, deadline,
        false);
    int accepted = 0;
    for (java.util.Iterator<Map.Entry<Session, ClientMessage>> it = replies.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Session, ClientMessage> e = it.next();
      it.remove();
      Session s = e.getKey();
      Map<String, NDArray> params = new HashMap<>();
      Map<String, NDArray> rows = new HashMap<>();
      try (NDManager upload = scope.newSubManager()) {
        for (NamedTensor t : e.getValue().getTokenizerWeights().getParametersList()) {
          Shape want = tokenizerShapes.get(t.getName());
          String what = "client '" + s.clientId + "' tokenizer parameter '" + t.getName() + "'";
          if (want == null || params.containsKey(t.getName())) {
            throw new MalformedTensorException(what + ": unknown or repeated parameter; the model has "
                + tokenizerShapes.keySet());
          }
          TensorLimits exact = new TensorLimits(8, Math.max(1, want.size()), true);
          params.put(t.getName(), ClientTensors.decode(t.getTensor(), upload, exact, what));
          if (byRows.contains(t.getName()) && !t.hasRows()) {
            throw new MalformedTensorException(what + ": a gradient of a table trained by rows must come by rows");
          }
          if (t.hasRows()) {
            if (!SparseRows.eligible(want) && !byRows.contains(t.getName())) {
              throw new MalformedTensorException(what + ": sent by rows, but only tables of at least "
                  + SparseRows.MIN_ROWS + " rows may be");
            }
            NDArray r = TensorCodec.decode(t.getRows(), upload, new TensorLimits(1, want.get(0), false), what + " rows");
            SparseRows.checkRows(r, want.get(0), what);
            rows.put(t.getName(), r);
          }
        }
        checkTokenizerUpload(params, rows, s.clientId, names);
        long samples = e.getValue().getTokenizerWeights().getSamples();
        if (samples < 1 || samples > s.trainSamples) {
          throw new MalformedTensorException("client '" + s.clientId + "' tokenizer weights for " + samples
              + " samples, but it declared " + s.trainSamples + " training samples");
        }
        each.accept(new TokenizerUpload(samples, params, rows));
        accepted++;
      } catch (MalformedTensorException ex) {
        s.error(step, ErrorCode.MALFORMED_TENSOR, ex.getMessage());
      }
    }
    return accepted;
  }

  /**
   * An upload must hold exactly the global tokenizers' parameters, with their shapes; a table sent by
   * rows holds one row of the table's width per row index.
   */
  private void checkTokenizerUpload(Map<String, NDArray> params, Map<String, NDArray> rows, String clientId,
      java.util.Set<String> names) {
    if (!params.keySet().equals(names)) {
      throw new MalformedTensorException("client '" + clientId + "' uploaded tokenizer parameters " + params.keySet()
          + " but " + names + " are expected");
    }
    for (Map.Entry<String, Shape> e : tokenizerShapes.entrySet()) {
      if (!names.contains(e.getKey())) {
        continue;
      }
      Shape got = params.get(e.getKey()).getShape();
      NDArray r = rows.get(e.getKey());
      Shape want = r == null ? e.getValue() : new Shape(r.getShape().get(0), e.getValue().get(1));
      if (!got.equals(want)) {
        throw new MalformedTensorException("client '" + clientId + "' tokenizer parameter '" + e.getKey() + "' has shape "
            + got + " but " + want + " is needed" + (r == null ? "" : " for its " + r.getShape().get(0) + " rows"));
      }
    }
  }
}
