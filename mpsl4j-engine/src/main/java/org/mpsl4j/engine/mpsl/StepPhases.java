package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.model.tokenizer.Tokens;
import org.mpsl4j.protocol.MalformedTensorException;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.TensorLimits;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.ErrorCode;
import org.mpsl4j.protocol.v1.NamedTensor;
import org.mpsl4j.protocol.v1.OutputGrad;

/**
 * The three gathering phases of the server's loop: activations, output gradients and tokenizer
 * weights. Each waits until every expected client answered or the deadline passed, validates each
 * answer (step, type, tensor shapes and values) and rejects whatever does not fit with an Error to
 * that client alone: a late, duplicated or malformed message is never applied, and never stops the
 * others.
 */
final class StepPhases {
  private final BlockingQueue<MpslServer.Inbound> inbox;
  private final Map<Long, Session> sessions;
  private final ModelConfig model;
  private final int maxBatch;
  /** Largest local test share a client may send for personalized evaluation in one message. */
  static final int MAX_EVAL_SAMPLES = MessageLimits.MAX_EVAL_SAMPLES;
  private final TensorLimits limits;
  private final TensorLimits evalLimits;
  private final ActivationBatch activationBatch;
  private final Map<String, Shape> tokenizerShapes;
  /** Messages of the current step that arrived before their phase. */
  private final java.util.List<MpslServer.Inbound> deferred = new java.util.ArrayList<>();
  /** session/kind pairs already accepted in the current step: a repeat is a duplicate. */
  private final java.util.Set<String> consumed = new java.util.HashSet<>();
  private long currentStep = -1;
  /** Messages of one session for a later phase of the current step that may wait for that phase. */
  static final int MAX_DEFERRED_PER_SESSION = 8;
  /** Longest wait on the inbox before the phase looks again for clients that disconnected. */
  private static final long POLL_MS = 20;

  StepPhases(BlockingQueue<MpslServer.Inbound> inbox, Map<Long, Session> sessions, ModelConfig model, int maxBatch,
      Map<String, Shape> tokenizerShapes) {
    this.tokenizerShapes = Map.copyOf(tokenizerShapes);
    this.inbox = inbox;
    this.sessions = sessions;
    this.model = model;
    this.maxBatch = maxBatch;
    long maxTokens = model.tokenizers().stream().mapToLong(TokenizerSpec::tokens).max().orElse(1);
    long maxElements = Math.max((long) maxBatch * maxTokens * model.encoder().width(),
        (long) maxBatch * model.head().outputs());
    this.limits = new TensorLimits(3, Math.max(maxElements, 1L << 24), true);
    this.evalLimits = new TensorLimits(3, (long) MAX_EVAL_SAMPLES * maxTokens * model.encoder().width(), true);
    this.activationBatch = new ActivationBatch(model, maxBatch, limits, evalLimits);
  }

  record Contribution(Session session, int batch) {}

  /** The activations of one step: who contributed, and one concatenated leaf per modality. */
  /** @param missedClients ids of the clients that sent nothing usable in time (NoData is not a miss) */
  record Gathered(List<Contribution> contributors, List<Tokens> tokens, int totalBatch, List<String> missedClients) {
    int missed() {
      return missedClients.size();
    }
  }

  record Gradients(NDArray concatenated, long reportedSamples, double lossTimesBatch, long correct,
      List<String> missedClients) {
    int missed() {
      return missedClients.size();
    }
  }

  /**
   * One client's tokenizer weights. A parameter named in {@code rows} holds only those rows of its
   * table ({@link SparseRows}); every other row is the initial value.
   */
  record Upload(long samples, Map<String, NDArray> parameters, Map<String, NDArray> rows) {}

  Gathered gatherActivations(long step, List<Session> expected, NDManager scope, Duration deadline)
      throws InterruptedException {
    return gatherActivations(step, expected, scope, deadline, ClientMessage.BodyCase.ACTIVATIONS, maxBatch);
  }

  /** The personalized-evaluation upload: activations of each client's local test share, no gradient. */
  Gathered gatherEvalActivations(long step, List<Session> expected, NDManager scope, Duration deadline)
      throws InterruptedException {
    return gatherActivations(step, expected, scope, deadline, ClientMessage.BodyCase.EVAL_ACTIVATIONS, MAX_EVAL_SAMPLES);
  }

  private Gathered gatherActivations(long step, List<Session> expected, NDManager scope, Duration deadline,
      ClientMessage.BodyCase kind, int batchLimit) throws InterruptedException {
    Map<Session, ClientMessage> replies = gather(step, expected, kind, deadline, true);
    return activationBatch.join(step, expected, replies, scope, kind == ClientMessage.BodyCase.EVAL_ACTIVATIONS,
        batchLimit);
  }

  Gradients gatherOutputGrads(long step, Gathered up, Shape outputShape, NDManager scope, Duration deadline)
      throws InterruptedException {
    List<Session> expected = up.contributors().stream().map(Contribution::session).toList();
    Map<Session, ClientMessage> replies = gather(step, expected, ClientMessage.BodyCase.OUTPUT_GRAD, deadline, false);
    long classes = outputShape.get(1);
    List<Contribution> contributors = up.contributors();
    NDArray[] grads = new NDArray[contributors.size()];
    OutputGrad[] accepted = new OutputGrad[contributors.size()];
    for (int i = 0; i < contributors.size(); i++) {
      Contribution c = contributors.get(i);
      ClientMessage msg = replies.get(c.session());
      if (msg == null) {
        continue;
      }
      OutputGrad og = msg.getOutputGrad();
      String what = outputGradWhat(c, step);
      try {
        NDArray g = ClientTensors.decodeUnchecked(og.getGrad(), scope, limits, what, org.mpsl4j.protocol.CodecSpec.RAW);
        if (!g.getShape().equals(new Shape(c.batch(), classes))) {
          throw new MalformedTensorException(what + ": shape " + g.getShape() + " but (" + c.batch() + ", " + classes + ")");
        }
        if (!(og.getLoss() >= 0 && og.getLoss() <= ClientTensors.MAX_ABS_VALUE) || og.getCorrect() > c.batch()) {
          throw new MalformedTensorException(what + ": loss " + og.getLoss() + ", correct " + og.getCorrect());
        }
        grads[i] = g;
        accepted[i] = og;
      } catch (MalformedTensorException e) {
        c.session().error(step, ErrorCode.MALFORMED_TENSOR, e.getMessage());
      }
    }
    NDArray joined = joinOutputGrads(contributors, grads, classes, scope);
    // As for activations: one check of the whole step's values, per client only when it fails.
    if (!ClientTensors.valuesOk(joined)) {
      for (int i = 0; i < grads.length; i++) {
        if (grads[i] == null) {
          continue;
        }
        try {
          ClientTensors.checkValues(grads[i], outputGradWhat(contributors.get(i), step));
        } catch (MalformedTensorException e) {
          contributors.get(i).session().error(step, ErrorCode.MALFORMED_TENSOR, e.getMessage());
          grads[i] = null;
          accepted[i] = null;
        }
      }
      joined = joinOutputGrads(contributors, grads, classes, scope);
    }
    long samples = 0;
    double loss = 0;
    long correct = 0;
    List<String> missed = new ArrayList<>();
    for (int i = 0; i < accepted.length; i++) {
      if (accepted[i] == null) {
        missed.add(contributors.get(i).session().clientId);
        continue;
      }
      int batch = contributors.get(i).batch();
      samples += batch;
      loss += (double) accepted[i].getLoss() * batch;
      correct += accepted[i].getCorrect();
    }
    return new Gradients(joined, samples, loss, correct, missed);
  }

  private static String outputGradWhat(Contribution c, long step) {
    return "client '" + c.session().clientId + "' step " + step + " output gradient";
  }

  /** The step's output gradients in contribution order; a client that sent none (or a bad one) adds zeros. */
  private static NDArray joinOutputGrads(List<Contribution> contributors, NDArray[] grads, long classes, NDManager scope) {
    List<NDArray> slices = new ArrayList<>();
    for (int i = 0; i < grads.length; i++) {
      // A client that dropped after the forward pass adds no gradient; the others still step.
      slices.add(grads[i] != null ? grads[i] : scope.zeros(new Shape(contributors.get(i).batch(), classes)));
    }
    return concat(slices);
  }

  /** Σ correct and Σ total of the EvalReports that arrive in time; a report over its count is rejected. */
  long[] gatherEvalReports(long step, Gathered eval, Duration deadline) throws InterruptedException {
    List<Session> expected = eval.contributors().stream().map(Contribution::session).toList();
    Map<Session, ClientMessage> replies = gather(step, expected, ClientMessage.BodyCase.EVAL_REPORT, deadline, false);
    long correct = 0;
    long total = 0;
    for (Contribution c : eval.contributors()) {
      ClientMessage m = replies.get(c.session());
      if (m == null) {
        continue;
      }
      if (m.getEvalReport().getTotal() != c.batch() || m.getEvalReport().getCorrect() > c.batch()) {
        c.session().error(step, ErrorCode.UNEXPECTED_MESSAGE, "EvalReport of " + m.getEvalReport().getCorrect() + "/"
            + m.getEvalReport().getTotal() + " does not match the " + c.batch() + " samples evaluated");
        continue;
      }
      correct += m.getEvalReport().getCorrect();
      total += m.getEvalReport().getTotal();
    }
    return new long[] {correct, total};
  }

  List<Upload> gatherTokenizerWeights(long step, List<Session> expected, NDManager scope, Duration deadline)
      throws InterruptedException {
    Map<Session, ClientMessage> replies = gather(step, expected, ClientMessage.BodyCase.TOKENIZER_WEIGHTS, deadline, false);
    List<Upload> uploads = new ArrayList<>();
    for (Map.Entry<Session, ClientMessage> e : replies.entrySet()) {
      Session s = e.getKey();
      Map<String, NDArray> params = new HashMap<>();
      Map<String, NDArray> rows = new HashMap<>();
      try {
        for (NamedTensor t : e.getValue().getTokenizerWeights().getParametersList()) {
          Shape want = tokenizerShapes.get(t.getName());
          String what = "client '" + s.clientId + "' tokenizer parameter '" + t.getName() + "'";
          if (want == null || params.containsKey(t.getName())) {
            throw new MalformedTensorException(what + ": unknown or repeated parameter; the model has "
                + tokenizerShapes.keySet());
          }
          TensorLimits exact = new TensorLimits(8, Math.max(1, want.size()), true);
          params.put(t.getName(), ClientTensors.decode(t.getTensor(), scope, exact, what));
          if (t.hasRows()) {
            if (!SparseRows.eligible(want)) {
              throw new MalformedTensorException(what + ": sent by rows, but only tables of at least "
                  + SparseRows.MIN_ROWS + " rows may be");
            }
            NDArray r = TensorCodec.decode(t.getRows(), scope, new TensorLimits(1, want.get(0), false), what + " rows");
            SparseRows.checkRows(r, want.get(0), what);
            rows.put(t.getName(), r);
          }
        }
        checkTokenizerUpload(params, rows, s.clientId);
        long samples = e.getValue().getTokenizerWeights().getSamples();
        if (samples < 1 || samples > s.trainSamples) {
          throw new MalformedTensorException("client '" + s.clientId + "' tokenizer weights for " + samples
              + " samples, but it declared " + s.trainSamples + " training samples");
        }
        uploads.add(new Upload(samples, params, rows));
      } catch (MalformedTensorException ex) {
        s.error(step, ErrorCode.MALFORMED_TENSOR, ex.getMessage());
      }
    }
    return uploads;
  }

  /**
   * Collects one message of {@code kind} (or NoData where allowed) for {@code step} from each expected
   * session until all answered or the deadline passed. A message of the same step that belongs to a
   * later phase (a client may send its epoch-end messages back to back) waits for that phase;
   * everything else (another step, a repeat, a wrong type) is answered with an Error and dropped.
   */
  private Map<Session, ClientMessage> gather(long step, List<Session> expected, ClientMessage.BodyCase kind,
      Duration deadline, boolean noDataAllowed) throws InterruptedException {
    if (step != currentStep) {
      currentStep = step;
      consumed.clear();
    }
    Map<Session, ClientMessage> replies = new LinkedHashMap<>();
    java.util.ArrayDeque<MpslServer.Inbound> earlier = new java.util.ArrayDeque<>(deferred);
    deferred.clear();
    long end = System.nanoTime() + deadline.toNanos();
    java.util.Set<Session> expectedSet = new java.util.HashSet<>(expected);
    // Who may still answer is recounted once per |expected| messages and on every idle poll, not per
    // message: a per-message scan made each phase O(N²) (22 ms per step at 1000 clients). A client
    // that disconnects is thus noticed within one poll interval at the latest.
    int answerable = countConnected(expected, replies);
    int sinceRecount = 0;
    while (replies.size() < answerable) {
      MpslServer.Inbound in = earlier.poll();
      if (in == null) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          break;
        }
        in = inbox.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(POLL_MS)), TimeUnit.NANOSECONDS);
        if (in == null) {
          answerable = countConnected(expected, replies);
          continue;
        }
        Session from = sessions.get(in.sessionId());
        if (from != null) {
          from.release(in.message());
        }
      }
      accept(in, step, expectedSet, kind, noDataAllowed, replies);
      if (++sinceRecount >= expected.size()) {
        answerable = countConnected(expected, replies);
        sinceRecount = 0;
      }
    }
    deferred.addAll(earlier);
    for (Session s : expected) {
      if (!replies.containsKey(s) && s.connected()) {
        s.error(step, ErrorCode.DEADLINE_MISSED,
            "no " + kind + " for step " + step + " within " + deadline.toMillis() + " ms; left out of this step");
      }
    }
    return replies;
  }

  private void accept(MpslServer.Inbound in, long step, java.util.Set<Session> expected, ClientMessage.BodyCase kind,
      boolean noDataAllowed, Map<Session, ClientMessage> replies) {
    Session s = sessions.get(in.sessionId());
    ClientMessage m = in.message();
    if (s == null) {
      return;
    }
    boolean matches = m.getBodyCase() == kind || (noDataAllowed && m.hasNoData());
    if (m.getStep() != step) {
      s.error(step, ErrorCode.STALE_STEP, m.getBodyCase() + " for step " + m.getStep() + " arrived during step " + step
          + "; ignored");
    } else if (matches) {
      String key = s.id + "/" + kind;
      if (consumed.contains(key) || replies.containsKey(s)) {
        s.error(step, ErrorCode.STALE_STEP, "duplicate " + m.getBodyCase() + " for step " + step + "; the first one counts");
      } else if (!expected.contains(s)) {
        s.error(step, ErrorCode.UNEXPECTED_MESSAGE, "client '" + s.clientId + "' is not part of this phase of step " + step);
      } else {
        consumed.add(key);
        replies.put(s, m);
      }
    } else if (!m.hasNoData() && consumed.contains(s.id + "/" + m.getBodyCase())) {
      s.error(step, ErrorCode.STALE_STEP, "duplicate " + m.getBodyCase() + " for step " + step + "; the first one counts");
    } else if (deferredOf(s) >= MAX_DEFERRED_PER_SESSION) {
      s.error(step, ErrorCode.UNEXPECTED_MESSAGE, m.getBodyCase() + " for step " + step + " is ahead of the step's"
          + " phase and " + MAX_DEFERRED_PER_SESSION + " such messages already wait; dropped");
    } else {
      deferred.add(in); // possibly a later phase of this step; rejected as stale once the step moves on
    }
  }

  private int deferredOf(Session s) {
    int n = 0;
    for (MpslServer.Inbound in : deferred) {
      if (in.sessionId() == s.id) {
        n++;
      }
    }
    return n;
  }

  /** Stop waiting for clients that disconnected: they will not answer. */
  private static int countConnected(List<Session> expected, Map<Session, ClientMessage> replies) {
    int n = 0;
    for (Session s : expected) {
      if (s.connected() || replies.containsKey(s)) {
        n++;
      }
    }
    return n;
  }

  /** The parts joined along the first (batch) dimension; a single part as it is, without a copy. */
  static NDArray concat(List<NDArray> parts) {
    return parts.size() == 1 ? parts.get(0) : NDArrays.concat(new NDList(parts), 0);
  }

  /**
   * An upload must hold exactly the global tokenizers' parameters, with their shapes; a table sent by
   * rows holds one row of the table's width per row index.
   */
  private void checkTokenizerUpload(Map<String, NDArray> params, Map<String, NDArray> rows, String clientId) {
    if (!params.keySet().equals(tokenizerShapes.keySet())) {
      throw new MalformedTensorException("client '" + clientId + "' uploaded tokenizer parameters " + params.keySet()
          + " but the model has " + tokenizerShapes.keySet());
    }
    for (Map.Entry<String, Shape> e : tokenizerShapes.entrySet()) {
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
