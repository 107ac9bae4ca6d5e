package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mpsl4j.core.port.Deadline;
import org.mpsl4j.core.port.Ticker;
import org.mpsl4j.model.train.Adam;
import org.mpsl4j.model.train.RowGradient;
import org.mpsl4j.protocol.v1.ServerMessage;

/**
 * FedSGD on the tokenizers ({@link TokenizerPolicy#sharedGradients}), the server's side: after a training
 * step, every client that counted sends the tokenizer gradient its cut gradient produced; the server sums
 * them into the gradient of the step's loss Σ (bᵢ/B)·Lᵢ for one tokenizer shared by all clients (each
 * client's share already carries its weight bᵢ/B), takes one step of its own tokenizer optimizer on the
 * global tokenizers, and sends them to every connected client, which continues from them.
 *
 * <p>So the tokenizer is trained on every client's data as in centralized training, and no client's
 * tokenizer differs from another's: the server cannot learn which client an activation came from by its
 * tokenizer (docs/GLOBAL_MODEL.md). The cost is one upload per counted client and one download per
 * connected client per step, each holding only the {@link #trainedNames trained} parameters. Text embedding
 * tables and other large tables ({@link #tableNames}) travel by rows ({@link #trainTables}): a client sends the
 * gradient of the rows its batches used, the sum is a {@link RowGradient} over the union of those rows, one lazy
 * Adam step ({@link Adam#step(Map, Map, Map)}) moves those rows only, and only they are sent back (a whole-table
 * gradient every step would cost 45.8 MiB with MiniLM's word table). Without it (and always in the private
 * mode, whose padded vectors have a fixed length) the clients freeze these tables at the initial values everyone
 * shares, and they never travel. Runs on the training thread, in the step it follows.
 */
final class SharedTokenizerStep {
  private final StepPhases phases;
  private final TokenizerAverage global;
  private final TokenizerSync sync;
  private final Adam optimizer;
  /** The parameters trained this way: all but the large tables, which stay at their shared initial values. */
  private final java.util.Set<String> trained;
  /** The scalars of the trained parameters: the length of a padded gradient in the private mode. */
  private final int trainedLength;
  /** Sessions that hold the current global tokenizers (sent them at least once; every send goes to all of these). */
  private final java.util.Set<Long> holding = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** Private mode ({@link #usePrivateSum}): the tokenizer lives on the clients; the server only adds padded sums. */
  private boolean privateSum;
  /** Private mode: padded sums sent so far (a session that missed one can no longer hold the clients' tokenizer). */
  private long sumsSent;
  /** The large tables trained by rows ({@link #trainTables}); empty: they stay frozen. */
  private java.util.Set<String> tables = java.util.Set.of();
  /** Whether the tables take dense Adam steps ({@link TokenizerPolicy.SharedTables#DENSE_ADAM}) instead of lazy ones. */
  private boolean denseTableAdam;

  SharedTokenizerStep(StepPhases phases, TokenizerAverage global, TokenizerSync sync, NDManager manager,
      float learningRate) {
    this.phases = phases;
    this.global = global;
    this.sync = sync;
    this.optimizer = new Adam(manager, learningRate);
    this.trained = trainedNames(global.model());
    Map<String, org.mpsl4j.model.Parameter> all = global.model().namedParameters();
    this.trainedLength = length(trained.stream().map(n -> all.get(n).shape()).toList());
  }

  /**
   * The parameters of {@code model} that FedSGD trains and the server sends back: those averaged at epoch ends
   * (not a fixed head), except the text tokenizers' embedding tables (words, positions, token types: in a
   * simulation each client holds them as rows over a shared base, which a client cannot replace) and any other
   * large table. Decided by the model's structure and shapes alone, so the server's global tokenizers and a
   * client that shares them ({@code WireClientStep#shareTokenizer} freezes everything else) name the same set,
   * and a client knows what a {@code global_tokenizers} message of this mode must hold. Everything else stays at
   * the initial values the clients and the server draw from one seed.
   */
  static java.util.Set<String> trainedNames(org.mpsl4j.model.ClientModel model) {
    java.util.List<String> textTables = new java.util.ArrayList<>();
    model.tokenizers().forEach((input, t) -> {
      if (t instanceof org.mpsl4j.model.tokenizer.TextTokenizer) {
        textTables.add(input + ".");
      }
    });
    java.util.Set<String> out = new java.util.LinkedHashSet<>();
    model.namedParameters().forEach((name, p) -> {
      boolean textTable = textTables.stream().anyMatch(prefix -> name.startsWith(prefix)
          && name.substring(prefix.length()).contains("_embeddings."));
      if (TokenizerAverage.averaged(model.config(), name) && !textTable && !SparseRows.eligible(p.shape())) {
        out.add(name);
      }
    });
    return out;
  }

  /**
   * The tables of {@code model} that travel by rows when they are trained ({@link #trainTables}): the text
   * tokenizers' embedding tables (words, positions, token types) and any other large table
   * ({@link SparseRows#eligible}), whether the model holds them as parameters (the server, a deployed client) or as
   * rows over a shared base (a simulated client). Exactly the averaged parameters {@link #trainedNames} leaves out.
   */
  static java.util.Set<String> tableNames(org.mpsl4j.model.ClientModel model) {
    java.util.Set<String> dense = trainedNames(model);
    java.util.Set<String> out = new java.util.LinkedHashSet<>();
    model.namedParameters().keySet().stream().filter(n -> !dense.contains(n)
        && TokenizerAverage.averaged(model.config(), n)).forEach(out::add);
    model.namedTables().keySet().stream().filter(n -> TokenizerAverage.averaged(model.config(), n)).forEach(out::add);
    if (model.config().frozenWordEmbeddings()) { // --freeze-word-embeddings: that table is nobody's to train
      out.removeIf(n -> n.endsWith(".word_embeddings.weight"));
    }
    return out;
  }

  /**
   * Trains the large tables ({@link #tableNames}) by rows ({@code Welcome.shared_tables}), with lazy or dense Adam
   * ({@link TokenizerPolicy.SharedTables}); frozen, they stay at their initial values.
   *
   * @throws IllegalArgumentException in the private mode, whose fixed-length padded sums cannot carry rows
   */
  void trainTables(TokenizerPolicy.SharedTables mode) {
    java.util.Set<String> names = mode != TokenizerPolicy.SharedTables.FROZEN ? tableNames(global.model())
        : java.util.Set.of();
    if (privateSum && !names.isEmpty()) {
      throw new IllegalArgumentException(privateTablesRefusal(names));
    }
    tables = names;
    denseTableAdam = mode == TokenizerPolicy.SharedTables.DENSE_ADAM;
  }

  /** Why the private mode cannot train these tables, and what to pass instead. */
  static String privateTablesRefusal(java.util.Set<String> names) {
    return "the private shared tokenizer (--private-average with --tokenizer-sync gradients) cannot train the tables "
        + names + " by rows: a padded gradient has one fixed length, and which rows a client sends would tell the "
        + "server which words its texts use; pass --shared-tables frozen";
  }

  /** The number of scalars of parameters of these shapes. */
  static int length(java.util.Collection<ai.djl.ndarray.types.Shape> shapes) {
    return Math.toIntExact(shapes.stream().mapToLong(ai.djl.ndarray.types.Shape::size).sum());
  }

  /**
   * The private mode ({@code --private-average} with this policy): the server holds no tokenizer and sees neither a
   * client's gradient nor their sum. After each step it asks the counted clients for their gradients padded with their
   * group pads ({@link org.mpsl4j.engine.secagg.PaddedGradients}), adds them and sends the padded sum to every
   * connected client, which unpads it and steps its own copy of the tokenizer ({@link PrivateSharedTokenizer}).
   * Nothing is sent at epoch ends, and a client that connects after the first sum is refused: it could not catch up
   * with a tokenizer that no party can hand it.
   */
  void usePrivateSum() {
    if (!tables.isEmpty()) {
      throw new IllegalArgumentException(privateTablesRefusal(tables));
    }
    privateSum = true;
  }

  /**
   * Gathers {@code counted} clients' gradients, steps the global tokenizers with their sum at
   * {@code learningRate}, and sends the result to {@code connected}. If no gradient arrives, or their sum
   * is not finite, the tokenizers stay as they are (and are sent back anyway, so every client drops what it
   * accumulated on its own).
   *
   * @return whether the global tokenizers were updated
   */
  boolean afterStep(long step, List<Session> counted, List<Session> connected, float learningRate, Duration deadline,
      NDManager manager) throws InterruptedException {
    if (privateSum) {
      return privateStep(step, counted, connected, learningRate, deadline);
    }
    boolean updated = false;
    try (NDManager scope = manager.newSubManager()) {
      ServerMessage.Builder ask = ServerMessage.newBuilder().setStep(step)
          .setTokenizerSync(org.mpsl4j.protocol.v1.TokenizerSync.newBuilder().setGradients(true));
      for (Session s : counted) {
        s.send(ask.setSessionId(s.id).build());
      }
      Map<String, NDArray> sum = new LinkedHashMap<>();
      Map<String, List<RowGradient>> rowParts = new LinkedHashMap<>();
      java.util.Set<String> expected = new java.util.LinkedHashSet<>(trained);
      expected.addAll(tables);
      phases.gatherTokenizerWeights(step, counted, scope, Deadline.after(Ticker.system(), deadline), expected, tables,
          upload -> add(sum, rowParts, upload, scope));
      Map<String, RowGradient> rowSums = new LinkedHashMap<>();
      rowParts.forEach((name, parts) -> rowSums.put(name, RowGradient.sum(parts, scope)));
      Map<String, NDArray> changedRows = new LinkedHashMap<>();
      if ((!sum.isEmpty() || !rowSums.isEmpty()) && finite(sum, rowSums)) {
        optimizer.setLearningRate(learningRate);
        if (denseTableAdam) {
          changedRows.putAll(denseTableStep(sum, rowSums, scope));
        } else {
          optimizer.step(global.model().namedParameters(), sum, rowSums);
          rowSums.forEach((name, g) -> changedRows.put(name, g.rows()));
        }
        updated = true;
      }
      sendUpdate(step, connected, changedRows);
    }
    return updated;
  }

  /**
   * One dense Adam step on everything, the tables' row gradients scattered into whole-table gradients (zero in the
   * rows no batch used), as centralized training steps them; returns, per table, the rows that moved: those with a
   * non-zero first moment (a row once used keeps moving by its momentum).
   */
  private Map<String, NDArray> denseTableStep(Map<String, NDArray> sum, Map<String, RowGradient> rowSums,
      NDManager scope) {
    Map<String, org.mpsl4j.model.Parameter> params = global.model().namedParameters();
    Map<String, NDArray> all = new LinkedHashMap<>(sum);
    for (String name : tables) { // a table no upload named still moves by its momentum, with a zero gradient
      NDArray dense = scope.zeros(params.get(name).shape());
      RowGradient g = rowSums.get(name);
      if (g != null) {
        dense.set(new ai.djl.ndarray.index.NDIndex("{}", g.rows()), g.values());
      }
      all.put(name, dense);
    }
    optimizer.step(params, all);
    Map<String, NDArray> moved = new LinkedHashMap<>();
    for (String name : tables) {
      NDArray m = optimizer.state("exp_avg").get(name);
      if (m == null) {
        continue;
      }
      NDArray rows = SparseRows.nonZeroRowIndices(m, scope);
      if (rows.size() > 0) {
        moved.put(name, rows);
      }
    }
    return moved;
  }

  /**
   * After a step: the trained parameters whole and, of each table, the rows this step changed, to the sessions that
   * hold the global tokenizers; a session that does not yet gets them all ({@link #send}).
   */
  private void sendUpdate(long step, List<Session> connected, Map<String, NDArray> changedRows) {
    List<Session> newcomers = connected.stream().filter(s -> !holding.contains(s.id)).toList();
    org.mpsl4j.protocol.v1.TokenizerWeights.Builder w = sync.averageOf(trained);
    Map<String, org.mpsl4j.model.Parameter> params = global.model().namedParameters();
    changedRows.forEach((name, rows) -> {
      try (NDArray values = params.get(name).array().get(new ai.djl.ndarray.index.NDIndex("{}", rows))) {
        w.addParameters(org.mpsl4j.protocol.v1.NamedTensor.newBuilder().setName(name)
            .setRows(org.mpsl4j.protocol.TensorCodec.encode(rows)).setTensor(org.mpsl4j.protocol.TensorCodec.encode(values)));
      }
    });
    TokenizerSync.send(step, connected.stream().filter(s -> holding.contains(s.id)).toList(), w.build());
    send(step, newcomers);
  }

  /** The private mode's step: ask for padded gradients, add what arrives in time, send the padded sum to all. */
  private boolean privateStep(long step, List<Session> counted, List<Session> connected, float learningRate,
      Duration deadline) throws InterruptedException {
    ServerMessage.Builder ask = ServerMessage.newBuilder().setStep(step).setTokenizerSync(
        org.mpsl4j.protocol.v1.TokenizerSync.newBuilder().setGradients(true).setPadded(true));
    for (Session s : counted) {
      s.send(ask.setSessionId(s.id).build());
    }
    long[] sum = new long[trainedLength];
    List<String> ids = new java.util.ArrayList<>();
    Map<Session, org.mpsl4j.protocol.v1.ClientMessage> replies = phases.collect(step, counted,
        org.mpsl4j.protocol.v1.ClientMessage.BodyCase.SECAGG_SHARE, Deadline.after(Ticker.system(), deadline));
    for (Map.Entry<Session, org.mpsl4j.protocol.v1.ClientMessage> e : replies.entrySet()) {
      Session s = e.getKey();
      try {
        org.mpsl4j.engine.secagg.PaddedGradients.add(sum, org.mpsl4j.engine.secagg.Int64Bytes.read(
            e.getValue().getSecaggShare().getValues(), trainedLength, "padded tokenizer gradient from '" + s.clientId + "'"));
        ids.add(s.clientId);
      } catch (IllegalArgumentException ex) {
        s.error(step, org.mpsl4j.protocol.v1.ErrorCode.MALFORMED_TENSOR, ex.getMessage()
            + "; left out of this step's tokenizer update");
      }
    }
    ServerMessage.Builder out = ServerMessage.newBuilder().setStep(step).setSecaggSum(
        org.mpsl4j.protocol.v1.SecAggSum.newBuilder().setGradientSum(true).setLearningRate(learningRate)
            .addAllCounted(ids).setValues(org.mpsl4j.engine.secagg.Int64Bytes.of(sum)));
    for (Session s : connected) {
      if (holding.contains(s.id)) {
        s.send(out.setSessionId(s.id).build());
      }
    }
    sumsSent++;
    return !ids.isEmpty();
  }

  /**
   * Sends the trained parameters of the global tokenizers to {@code participants} (newcomers, epoch ends), with each
   * table trained by rows as the rows that differ from its initial value ({@link SparseRows#encode}; whole when most
   * do or it is small). A client sets those rows and keeps its others, which are the initial values: a client's
   * table only ever holds values the server sent, and a row the server changed never returns to its initial value.
   */
  void send(long step, List<Session> participants) {
    if (privateSum) {
      return; // the server holds no tokenizer; every client applied every sum itself
    }
    if (!participants.isEmpty()) {
      org.mpsl4j.protocol.v1.TokenizerWeights.Builder w = sync.averageOf(trained);
      Map<String, org.mpsl4j.model.Parameter> params = global.model().namedParameters();
      for (String name : tables) {
        NDArray current = params.get(name).array();
        NDArray initial = global.initial(name);
        w.addParameters(initial == null ? org.mpsl4j.protocol.v1.NamedTensor.newBuilder().setName(name)
            .setTensor(org.mpsl4j.protocol.TensorCodec.encode(current)).build()
            : SparseRows.encode(name, current, initial));
      }
      TokenizerSync.send(step, participants, w.build());
    }
    participants.forEach(s -> holding.add(s.id));
  }

  /**
   * The epoch end's send: the trained parameters to every participant, so that one that missed a step's update
   * continues from the current tokenizer. With tables by rows only sessions that do not hold the global tokenizers get
   * them (whole, {@link #send}): a session that holds them got every step's update in order, and sending its tables
   * again would cost every row the run changed.
   */
  void sendAtEpochEnd(long step, List<Session> participants) {
    send(step, tables.isEmpty() ? participants : participants.stream().filter(s -> !holding.contains(s.id)).toList());
  }

  /**
   * Sends the global tokenizers to the sessions of {@code connected} that have not had them yet: every client at the
   * start of training, one that joins late or reconnects, and every client after the server resumed from a
   * checkpoint. So a client's first step runs through the current global tokenizers, whatever its own state (a
   * client checkpoint is written before the step's tokenizer update comes back), and a resumed run continues exactly
   * as an uninterrupted one. Called on the training thread before a step.
   */
  void sendToNewcomers(long step, List<Session> connected) {
    List<Session> newcomers = connected.stream().filter(s -> !holding.contains(s.id)).toList();
    if (privateSum) {
      for (Session s : newcomers) {
        if (sumsSent == 0) {
          holding.add(s.id); // before the first sum every client holds the tokenizer the client seed draws
        } else {
          s.error(step, org.mpsl4j.protocol.v1.ErrorCode.BAD_HELLO, "client '" + s.clientId + "' joined after "
              + sumsSent + " private shared-tokenizer update(s): the tokenizer lives only on the clients (--private-"
              + "average with --tokenizer-sync gradients) and no party can hand it over, so a late or reconnecting "
              + "client cannot take part in this run");
          s.replace();
        }
      }
      return;
    }
    if (!newcomers.isEmpty()) {
      send(step, newcomers);
    }
  }

  /** The tokenizer optimizer, for its step count and state (server checkpoints hold it). */
  Adam optimizer() {
    return optimizer;
  }

  /**
   * Adds one upload into the running sum Σᵢ gᵢ by parameter name (sample counts play no part: gᵢ is already
   * weighted). The sum lives in {@code scope}: the upload's own arrays are freed once it has been added.
   */
  private static void add(Map<String, NDArray> sum, Map<String, List<RowGradient>> rowParts, TokenizerUpload upload,
      NDManager scope) {
    upload.parameters().forEach((name, g) -> {
      NDArray rows = upload.rows().get(name);
      if (rows != null) {
        NDArray r = rows.duplicate();
        NDArray v = g.duplicate();
        r.attach(scope);
        v.attach(scope);
        rowParts.computeIfAbsent(name, k -> new java.util.ArrayList<>()).add(new RowGradient(r, v));
        return;
      }
      NDArray total = sum.get(name);
      if (total == null) {
        NDArray copy = g.duplicate();
        copy.attach(scope);
        sum.put(name, copy);
      } else {
        total.addi(g);
      }
    });
  }

  /** One synchronizing read for all parameters, as in the server's own step. */
  private static boolean finite(Map<String, NDArray> gradients, Map<String, RowGradient> rowGradients) {
    NDArray total = null;
    List<NDArray> all = new java.util.ArrayList<>(gradients.values());
    rowGradients.values().forEach(g -> all.add(g.values()));
    for (NDArray g : all) {
      NDArray s = g.sum();
      total = total == null ? s : total.add(s);
    }
    return total == null || Float.isFinite(total.getFloat());
  }
}
