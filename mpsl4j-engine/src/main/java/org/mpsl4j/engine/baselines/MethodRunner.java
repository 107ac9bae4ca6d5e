package org.mpsl4j.engine.baselines;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.mpsl4j.engine.EpochResult;
import org.mpsl4j.engine.centralized.CentralizedTrainer;
import org.mpsl4j.engine.mpsl.MpslServer;
import org.mpsl4j.engine.mpsl.TokenizerPolicy;
import org.mpsl4j.engine.sim.ClientBatches;
import org.mpsl4j.engine.sim.Simulation;
import org.mpsl4j.engine.sim.SimulationConfig;
import org.mpsl4j.engine.sim.SimulationResult;
import org.mpsl4j.model.macs.MacCounter;
import org.mpsl4j.model.macs.MacReport;
import org.mpsl4j.protocol.CodecSpec;

/**
 * Runs any {@link Method} on an {@link Experiment} and returns its figures in the one
 * {@link MethodResult} shape: MPSL through the embedded {@link Simulation}, centralized training
 * through {@link CentralizedTrainer} (batch = clients × client batch, MPSL's server batch), and the
 * baselines through {@link RoundLoop} over the in-process gRPC transport.
 */
public final class MethodRunner {
  private MethodRunner() {}

  public static MethodResult run(Method method, Experiment x, Consumer<MethodResult.Epoch> onEpoch)
      throws IOException, InterruptedException {
    return run(method, x, RoundLoop.Transport.GRPC_IN_PROCESS, onEpoch);
  }

  public static MethodResult run(Method method, Experiment x, RoundLoop.Transport transport,
      Consumer<MethodResult.Epoch> onEpoch) throws IOException, InterruptedException {
    MacReport split = MacCounter.count(x.model());
    return switch (method) {
      case MPSL -> mpsl(x, onEpoch);
      case MPSL_SERVER_LOSS -> mpsl(x, CodecSpec.RAW, CodecSpec.RAW, true, TokenizerPolicy.PAPER, ClientBatches.EQUAL, true,
          onEpoch);
      case CENTRALIZED -> centralized(x, onEpoch);
      case FEDAVG -> RoundLoop.run(method, x, new FedAvg(x), i -> FedAvg.client(x, i), FedAvg.clientMacs(x.model()),
          transport, onEpoch);
      case FEDCLIP -> RoundLoop.run(method, x, new FedClip(x), i -> FedClip.client(x, i), FedClip.clientMacs(x.model()),
          transport, onEpoch);
      case SPLITFED_V1 -> RoundLoop.run(method, x, new SplitFedV1(x), i -> SplitFedV1.client(x, i), split, transport,
          onEpoch);
      case SPLITFED_V2 -> RoundLoop.run(method, x, new SplitFedV2(x), i -> SplitFedV2.client(x, i), split, transport,
          onEpoch);
      case SEQUENTIAL_SL -> RoundLoop.run(method, x, new SequentialSl(x), i -> SequentialSl.client(x, i), split,
          transport, onEpoch);
    };
  }

  private static MethodResult mpsl(Experiment x, Consumer<MethodResult.Epoch> onEpoch)
      throws IOException, InterruptedException {
    return mpsl(x, CodecSpec.RAW, CodecSpec.RAW, onEpoch);
  }

  /**
   * MPSL as {@code simulate} runs it, with cut-layer activations packed by {@code codecUp} and cut-layer
   * gradients by {@code codecDown}; bytes per epoch are the differences of the server's per-client counters.
   * A lossy variant is labelled {@code MPSL up/down}, e.g. {@code MPSL int8/int8}.
   */
  public static MethodResult mpsl(Experiment x, CodecSpec codecUp, CodecSpec codecDown,
      Consumer<MethodResult.Epoch> onEpoch) throws IOException, InterruptedException {
    return mpsl(x, codecUp, codecDown, true, onEpoch);
  }

  /** As above; {@code errorFeedback} false sends top-k activations without it (an ablation, labelled "no EF"). */
  public static MethodResult mpsl(Experiment x, CodecSpec codecUp, CodecSpec codecDown, boolean errorFeedback,
      Consumer<MethodResult.Epoch> onEpoch) throws IOException, InterruptedException {
    return mpsl(x, codecUp, codecDown, errorFeedback, TokenizerPolicy.PAPER, ClientBatches.EQUAL, false, onEpoch);
  }

  /**
   * As above, with the clients' tokenizers kept together by {@code tokenizers} and client batches sized by
   * {@code batches} (docs/GLOBAL_MODEL.md); settings other than the paper's are named in the label, e.g.
   * {@code MPSL (sync every 10 steps, client lr x1.0; PROPORTIONAL batches)}. {@code serverLoss} computes the
   * (retrieval) loss on the server over each step's whole batch ({@link org.mpsl4j.core.step.ServerSideLoss}),
   * labelled {@link Method#MPSL_SERVER_LOSS}; a retrieval run with the loss on the clients is labelled
   * "MPSL client-side loss".
   */
  public static MethodResult mpsl(Experiment x, CodecSpec codecUp, CodecSpec codecDown, boolean errorFeedback,
      TokenizerPolicy tokenizers, ClientBatches batches, boolean serverLoss, Consumer<MethodResult.Epoch> onEpoch)
      throws IOException, InterruptedException {
    // alpha and minPerClient only shape Simulation.partition(); the experiment's partition is passed in.
    SimulationConfig config = new SimulationConfig(x.model(), x.clients(), x.clientBatch(), x.epochs(), x.learningRate(),
        x.stepLrSize(), 0.5, 1, x.seed(), x.deadline(), x.threads()).withCodecs(codecUp, codecDown)
        .withTokenizers(tokenizers).withBatches(batches);
    AtomicReference<MpslServer> server = new AtomicReference<>();
    AtomicReference<Long> stateBytes = new AtomicReference<>(0L);
    Map<String, long[]> last = new LinkedHashMap<>();
    List<MethodResult.Epoch> epochs = new ArrayList<>();
    boolean noEf = !errorFeedback && codecUp.codec() == org.mpsl4j.protocol.v1.Codec.TOPK;
    boolean retrieval = org.mpsl4j.model.ModelChoices.task(x.model().head()) == org.mpsl4j.model.ModelChoices.Task.RETRIEVAL;
    Method method = serverLoss ? Method.MPSL_SERVER_LOSS : Method.MPSL;
    String name = serverLoss ? method.label() : retrieval ? "MPSL client-side loss" : method.label();
    String lossyLabel = codecUp.lossy() || codecDown.lossy()
        ? name + " " + codecUp + (noEf ? " (no EF)" : "") + "/" + codecDown : name;
    String label = !tokenizers.equals(TokenizerPolicy.PAPER) || batches != ClientBatches.EQUAL
        ? lossyLabel + " (" + tokenizers + "; " + batches.name().toLowerCase(java.util.Locale.ROOT) + " batches)"
        : lossyLabel;
    long start = System.nanoTime();
    Simulation sim = new Simulation(config, x.data())
        .configureClients(c -> errorFeedback ? c : c.withoutErrorFeedback())
        .configureServer(s -> {
          if (serverLoss) {
            s.useServerSideLoss(org.mpsl4j.core.step.ServerSideLoss.contrastive());
          }
        });
    SimulationResult r = sim.run(x.partition(), e -> {
      if (e.steps() == 0) {
        // As RoundLoop does for the baselines: the model after an epoch that trained nothing is not the method's.
        String why = untrained(label, e, x);
        MacReport macs = MacCounter.count(x.model());
        throw new UntrainedRoundException(why, new MethodResult(method, List.copyOf(epochs), macs.clientForward(),
            macs.clientTraining(), mpslStateBytes(server.get()), (System.nanoTime() - start) / 1e9, label).failed(why));
      }
      Map<String, long[]> now = server.get().bytesByClient();
      double up = 0;
      double down = 0;
      for (Map.Entry<String, long[]> c : now.entrySet()) {
        long[] before = last.getOrDefault(c.getKey(), new long[2]);
        up += c.getValue()[0] - before[0];
        down += c.getValue()[1] - before[1];
        last.put(c.getKey(), c.getValue().clone());
      }
      int n = Math.max(1, now.size());
      MethodResult.Epoch m = new MethodResult.Epoch(e.epoch(), e.trainLoss(), e.testAccuracy(), up / n, down / n,
          e.seconds(), e.recall(), e.missedDeadlines());
      epochs.add(m);
      onEpoch.accept(m);
      stateBytes.set(mpslStateBytes(server.get()));
    }, server::set);
    return new MethodResult(method, epochs, r.clientForwardMacs(), r.clientTrainingMacs(), stateBytes.get(),
        r.wallSeconds(), label);
  }

  /** Why an MPSL epoch in which no step updated the model stops the method: which run, epoch and deadline. */
  static String untrained(String label, SimulationResult.Epoch e, Experiment x) {
    return label + ", epoch " + e.epoch() + " of " + x.epochs() + ": no step updated the model (" + e.missedDeadlines()
        + " client steps missed the deadline of "
        + java.math.BigDecimal.valueOf(x.deadline().toNanos(), 9).stripTrailingZeros().toPlainString()
        + " s per mini-batch step or were refused), so the method stopped instead of reporting an untrained model; "
        + "raise --deadline-s or look for the clients' errors above";
  }

  /** One server model, its Adam moments (two per trained parameter) and the averaged global tokenizers. */
  private static long mpslStateBytes(MpslServer s) {
    return ParameterSets.bytes(s.model().namedParameters()) + 2 * ParameterSets.bytes(s.model().trainableParameters())
        + ParameterSets.bytes(s.globalTokenizers().namedParameters());
  }

  private static MethodResult centralized(Experiment x, Consumer<MethodResult.Epoch> onEpoch) {
    long start = System.nanoTime();
    int batch = x.clients() * x.clientBatch();
    try (CentralizedTrainer t = new CentralizedTrainer(x.model(), x.learningRate(), x.schedule(), batch, x.seed())) {
      List<MethodResult.Epoch> epochs = new ArrayList<>();
      t.train(x.data(), x.epochs(), (EpochResult e) -> {
        MethodResult.Epoch m = new MethodResult.Epoch(e.epoch(), e.trainLoss(), e.testAccuracy(), 0, 0, e.seconds(),
            e.recall());
        epochs.add(m);
        onEpoch.accept(m);
      });
      long state = ParameterSets.bytes(t.client().namedParameters()) + ParameterSets.bytes(t.server().namedParameters())
          + 2 * (ParameterSets.bytes(t.client().trainableParameters()) + ParameterSets.bytes(t.server().trainableParameters()));
      return new MethodResult(Method.CENTRALIZED, epochs, 0, 0, state, (System.nanoTime() - start) / 1e9);
    }
  }
}
